// On the very first start (no users at all) an admin account is created, so a fresh install can be
// signed into at once. The generated password is shown once and never stored in clear.
import { randomBytes } from "node:crypto";
import { recordAudit } from "../audit/record.ts";
import type { Resources } from "../resources.ts";
import { hashPassword } from "./passwords.ts";
import { countUsers, insertUser } from "./queries.ts";

export const FIRST_ADMIN_USERNAME = "admin";

/** Returns lines for the operator, or none when users already exist (or another replica won the race). */
export async function ensureFirstAdmin(resources: Resources): Promise<string[]> {
  const { db, config } = resources;
  if ((await countUsers(db)) > 0) return [];
  const password = config.adminPassword ?? randomBytes(12).toString("base64url");
  const user = await insertUser(db, {
    username: FIRST_ADMIN_USERNAME,
    email: "admin@garageswarm.local",
    password_hash: await hashPassword(password),
    is_admin: true,
  });
  if (!user) return [];
  await recordAudit(db, { user_id: user.user_id, action: "auth.first_admin" });
  return [
    "",
    "First start: an admin account was created.",
    `  username: ${FIRST_ADMIN_USERNAME}`,
    config.adminPassword
      ? "  password: the one in GARAGESWARM_ADMIN_PASSWORD"
      : `  password: ${password}    (shown only now; change it in Settings)`,
    "",
  ];
}
