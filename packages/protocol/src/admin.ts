// User administration: admins list, create, disable and re-enable users, and hand out invite links.
import { z } from "zod";
import { Email, Password, Username } from "./auth.ts";
import { Timestamp, Uuid } from "./common.ts";

export const AdminUserCreate = z
  .object({ username: Username, email: Email, password: Password, is_admin: z.boolean().default(false) })
  .strict();
export type AdminUserCreate = z.infer<typeof AdminUserCreate>;

export const InviteCreate = z
  .object({
    /** When set, only this email address can use the invite. */
    email: Email.optional(),
    /** Hours until the invite expires: 7 days unless said, at most 30 days. */
    expires_in_hours: z.number().int().min(1).max(720).default(168),
  })
  .strict();
export type InviteCreate = z.infer<typeof InviteCreate>;

export const InviteStatus = z.enum(["pending", "used", "expired", "revoked"]);

export const Invite = z.object({
  invite_id: Uuid,
  email: z.string().nullable(),
  status: InviteStatus,
  created_at: Timestamp,
  expires_at: Timestamp,
  used_at: Timestamp.nullable(),
  used_by_user_id: Uuid.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type Invite = z.infer<typeof Invite>;

/** Answer to create: the only time the token is shown. The sign-up link is `<dashboard>/register?invite=<token>`. */
export const InviteCreated = Invite.extend({ token: z.string() });
export type InviteCreated = z.infer<typeof InviteCreated>;
