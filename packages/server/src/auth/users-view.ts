import type { User } from "@garageswarm/protocol";
import type { UserRow } from "./queries.ts";

/** The user as the API shows it: never a hash. */
export function toUserView(row: UserRow): User {
  return {
    user_id: row.user_id,
    username: row.username,
    email: row.email,
    is_admin: row.is_admin,
    is_active: row.is_active,
    created_at: row.created_at.toISOString(),
    last_login_at: row.last_login_at?.toISOString() ?? null,
  };
}
