import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";

export const Username = z
  .string()
  .trim()
  .min(3, "must be at least 3 characters")
  .max(64, "must be at most 64 characters")
  .regex(/^[\p{L}\p{N}_.-]+$/u, "may contain letters, digits, '_', '.' and '-' only");
export const Email = z.email("must be an email address").max(254);
export const Password = z.string().min(8, "must be at least 8 characters").max(256, "must be at most 256 characters");

export const RegisterRequest = z
  .object({
    username: Username,
    email: Email,
    password: Password,
    /** The token of an admin's invite link; required when registration is `invite`. */
    invite: z.string().trim().min(1, "is required").max(200).optional(),
  })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z
  .object({
    /** The username or the email address. */
    username: z.string().trim().min(1, "is required").max(254),
    password: z.string().min(1, "is required").max(256),
    /**
     * Where the refresh token is returned: in the body (default; the CLI keeps it in a 0600 file) or in an
     * httpOnly, SameSite=Strict cookie scoped to `/api/v1/auth/refresh` (the dashboard: no script can read it).
     */
    refresh_token_in: z.enum(["body", "cookie"]).optional(),
  })
  .strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Without `refresh_token`, the refresh cookie is used (send `{}` as JSON: a cross-site form cannot). */
export const RefreshRequest = z
  .object({ refresh_token: z.string().min(1, "is required").max(512).optional() })
  .strict();
export const LogoutRequest = z.object({ refresh_token: z.string().max(512).optional() }).strict();

export const ChangePasswordRequest = z
  .object({ current_password: z.string().min(1, "is required").max(256), new_password: Password })
  .strict();

export const TokenPair = z.object({
  access_token: z.string(),
  /** Absent when the refresh token was set as a cookie instead. */
  refresh_token: z.string().optional(),
  token_type: z.literal("bearer"),
  /** Seconds until the access token expires. */
  expires_in: z.number().int(),
});
export type TokenPair = z.infer<typeof TokenPair>;

/** A single-use credential for opening the client WebSocket (`/ws/client/{id}?ticket=`), valid briefly. */
export const WsTicket = z.object({ ticket: z.string(), expires_in: z.number().int() });
export type WsTicket = z.infer<typeof WsTicket>;

export const User = z.object({
  user_id: Uuid,
  username: z.string(),
  email: z.string(),
  is_admin: z.boolean(),
  is_active: z.boolean(),
  created_at: Timestamp,
  last_login_at: Timestamp.nullable(),
});
export type User = z.infer<typeof User>;

/** Who may create an account: anyone, holders of an admin's invite, or nobody. */
export const RegistrationMode = z.enum(["open", "invite", "closed"]);
export type RegistrationMode = z.infer<typeof RegistrationMode>;

/** `GET /auth/registration`: what the sign-up page should offer. */
export const RegistrationInfo = z.object({ mode: RegistrationMode });
export type RegistrationInfo = z.infer<typeof RegistrationInfo>;
