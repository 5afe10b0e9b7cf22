// Sessions: register, login, refresh (rotating, with reuse detection), logout, change-password.
//
// A session is a refresh-token family. Refresh swaps the presented token for a new one in the same
// family; presenting a token that was already swapped means it leaked, so the whole family is revoked
// (the thief and the owner both have to log in again). Logout revokes the family and denylists the
// access token until it expires. Every outcome lands in audit_log.
import { randomUUID } from "node:crypto";
import type { TokenPair } from "@garageswarm/protocol";
import { consumeInvite, recordInviteUser } from "../admin/queries.ts";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { signAccessToken } from "./access-tokens.ts";
import type { Principal } from "./authenticate.ts";
import { dummyPasswordHash, hashPassword, verifyPassword } from "./passwords.ts";
import * as q from "./queries.ts";
import { randomSecret, sha256 } from "./secrets.ts";

export interface RequestMeta {
  ip?: string;
}

/** Said for every taken username or email alike, so registering cannot tell which accounts exist. */
export const REGISTER_CONFLICT = "that username or email cannot be used";

/**
 * Creates an account as `config.registration` allows: anyone (`open`), the holder of a valid invite
 * (`invite`, consumed in the same transaction as the insert), or nobody (`closed`). The invite is
 * checked before the names, so without one nobody learns whether a name is taken.
 */
export async function register(
  resources: Resources,
  input: { username: string; email: string; password: string; invite?: string | undefined },
  meta: RequestMeta,
): Promise<q.UserRow> {
  const mode = resources.config.registration;
  if (mode === "closed") throw new ForbiddenError("registration is closed: ask an administrator for an account");
  if (mode === "invite" && !input.invite) {
    throw new ForbiddenError(
      "registration is by invite: open the invite link an administrator gave you",
      "body.invite",
    );
  }
  // Hashed whatever happens next, so a taken name answers no faster than a free one.
  const password_hash = await hashPassword(input.password);
  const now = resources.clock.now();
  return resources.db.transaction(async (tx) => {
    const db = tx as Db;
    const invite =
      mode === "invite" && input.invite
        ? await consumeInvite(db, { token_hash: sha256(input.invite), email: input.email, now })
        : undefined;
    if (mode === "invite" && !invite) {
      throw new ForbiddenError(
        "this invite is not valid: it may have expired, been used or been revoked",
        "body.invite",
      );
    }
    const user = await q.insertUser(db, { username: input.username, email: input.email, password_hash });
    // Thrown, so the transaction rolls back and the invite stays usable.
    if (!user) throw new ConflictError(REGISTER_CONFLICT);
    if (invite) await recordInviteUser(db, invite.invite_id, user.user_id);
    await recordAudit(db, {
      user_id: user.user_id,
      action: "auth.register",
      ip: meta.ip,
      ...(invite ? { detail: { invite_id: invite.invite_id } } : {}),
    });
    return user;
  });
}

export async function login(
  resources: Resources,
  input: { username: string; password: string },
  meta: RequestMeta,
): Promise<TokenPair> {
  const { db, clock } = resources;
  const user = await q.findUserByLogin(db, input.username);
  const valid = await verifyPassword(user?.password_hash ?? (await dummyPasswordHash()), input.password);
  if (!user || !valid || !user.is_active) {
    await recordAudit(db, {
      user_id: user?.user_id ?? null,
      action: "auth.login_failed",
      ip: meta.ip,
      detail: { login: input.username.slice(0, 254) },
    });
    throw new UnauthorizedError("wrong username/email or password");
  }
  const now = clock.now();
  const pair = await db.transaction(async (tx) => {
    const issued = await issueTokenPair(resources, tx as Db, user.user_id, randomUUID(), now);
    await q.touchLastLogin(tx as Db, user.user_id, now);
    await recordAudit(tx as Db, { user_id: user.user_id, action: "auth.login", ip: meta.ip });
    return issued;
  });
  return pair;
}

export async function refresh(resources: Resources, refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
  const { clock } = resources;
  const now = clock.now();
  // The reuse verdict must be committed even though the request fails, so it is returned, not thrown.
  const outcome = await resources.db.transaction(async (tx) => {
    const db = tx as Db;
    const row = await q.findRefreshTokenForUpdate(db, sha256(refreshToken));
    if (!row || row.revoked_at || row.expires_at <= now) return { error: "invalid or expired refresh token" } as const;
    if (row.rotated_at || !(await q.markRotated(db, row.token_id, now))) {
      await q.revokeFamily(db, row.family_id, now);
      await recordAudit(db, {
        user_id: row.user_id,
        action: "auth.refresh_reuse",
        ip: meta.ip,
        detail: { family_id: row.family_id },
      });
      return { error: "refresh token reused: every session of this login was revoked" } as const;
    }
    const user = await q.findUserById(db, row.user_id);
    if (!user?.is_active) return { error: "user disabled or deleted" } as const;
    const pair = await issueTokenPair(resources, db, row.user_id, row.family_id, now);
    await recordAudit(db, { user_id: row.user_id, action: "auth.refresh", ip: meta.ip });
    return { pair } as const;
  });
  if ("error" in outcome) throw new UnauthorizedError(outcome.error ?? "invalid refresh token", "body.refresh_token");
  return outcome.pair;
}

export async function logout(resources: Resources, principal: Principal, meta: RequestMeta): Promise<void> {
  const now = resources.clock.now();
  await resources.db.transaction(async (tx) => {
    const db = tx as Db;
    if (principal.session) {
      await q.denyAccessToken(db, principal.session.jti, principal.session.expires_at);
      await q.revokeFamily(db, principal.session.family_id, now);
    }
    await recordAudit(db, { user_id: principal.user_id, action: "auth.logout", ip: meta.ip });
  });
}

/** Changes the password and ends every other session; the caller's own session stays signed in. */
export async function changePassword(
  resources: Resources,
  principal: Principal,
  input: { current_password: string; new_password: string },
  meta: RequestMeta,
): Promise<void> {
  const { db, clock } = resources;
  const user = await q.findUserById(db, principal.user_id);
  if (!user || !(await verifyPassword(user.password_hash, input.current_password))) {
    await recordAudit(db, { user_id: principal.user_id, action: "auth.change_password_failed", ip: meta.ip });
    throw new UnauthorizedError("current password is wrong", "body.current_password");
  }
  const passwordHash = await hashPassword(input.new_password);
  const now = clock.now();
  await db.transaction(async (tx) => {
    await q.updatePasswordHash(tx as Db, user.user_id, passwordHash, now);
    await q.revokeOtherFamilies(tx as Db, user.user_id, principal.session?.family_id ?? null, now);
    await recordAudit(tx as Db, { user_id: user.user_id, action: "auth.change_password", ip: meta.ip });
  });
}

async function issueTokenPair(
  resources: Resources,
  db: Db,
  userId: string,
  familyId: string,
  now: Date,
): Promise<TokenPair> {
  const { config } = resources;
  const refreshToken = randomSecret("gsr_");
  await q.insertRefreshToken(db, {
    user_id: userId,
    family_id: familyId,
    token_hash: sha256(refreshToken),
    expires_at: new Date(now.getTime() + config.refreshTokenTtlSeconds * 1000),
  });
  const { token } = await signAccessToken(
    resources.jwtSecret,
    { user_id: userId, family_id: familyId },
    config.accessTokenTtlSeconds,
    now,
  );
  return {
    access_token: token,
    refresh_token: refreshToken,
    token_type: "bearer",
    expires_in: Math.round(config.accessTokenTtlSeconds),
  };
}
