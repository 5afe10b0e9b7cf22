// SQL of the auth domain: users, refresh-token families, the access-token denylist.
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import { refreshTokens, revokedAccessTokens, users } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export type UserRow = typeof users.$inferSelect;

/**
 * Case-insensitive, with PostgreSQL's `lower()` on both sides, as the unique indexes are: JavaScript's
 * toLowerCase disagrees with it on some letters (`İ`), which left such users unable to sign in (review B3).
 */
export async function findUserByLogin(db: Db, login: string): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(or(sql`lower(${users.username}) = lower(${login})`, sql`lower(${users.email}) = lower(${login})`))
    .limit(1);
  return row;
}

export async function findUserById(db: Db, userId: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.user_id, userId));
  return row;
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
  return row?.n ?? 0;
}

/** Inserts a user; returns undefined when the username or email is taken (case-insensitively). */
export async function insertUser(
  db: Db,
  values: { username: string; email: string; password_hash: string; is_admin?: boolean },
): Promise<UserRow | undefined> {
  const [row] = await db.insert(users).values(values).onConflictDoNothing().returning();
  return row;
}

export async function updatePasswordHash(db: Db, userId: string, passwordHash: string, now: Date): Promise<void> {
  await db.update(users).set({ password_hash: passwordHash, updated_at: now }).where(eq(users.user_id, userId));
}

export async function touchLastLogin(db: Db, userId: string, now: Date): Promise<void> {
  await db.update(users).set({ last_login_at: now }).where(eq(users.user_id, userId));
}

export async function insertRefreshToken(
  db: Db,
  values: { user_id: string; family_id: string; token_hash: string; expires_at: Date },
): Promise<void> {
  await db.insert(refreshTokens).values(values);
}

export type RefreshTokenRow = typeof refreshTokens.$inferSelect;

export async function findRefreshTokenForUpdate(db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.token_hash, tokenHash)).for("update");
  return row;
}

/** Marks a token rotated, guarded so two concurrent refreshes cannot both succeed. */
export async function markRotated(db: Db, tokenId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(refreshTokens)
    .set({ rotated_at: now })
    .where(and(eq(refreshTokens.token_id, tokenId), isNull(refreshTokens.rotated_at), isNull(refreshTokens.revoked_at)))
    .returning({ token_id: refreshTokens.token_id });
  return rows.length === 1;
}

export async function revokeFamily(db: Db, familyId: string, now: Date): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revoked_at: now })
    .where(and(eq(refreshTokens.family_id, familyId), isNull(refreshTokens.revoked_at)));
}

/** Revokes every family of the user except `keepFamilyId` (the session that changed the password). */
export async function revokeOtherFamilies(db: Db, userId: string, keepFamilyId: string | null, now: Date) {
  const others = keepFamilyId ? sql`${refreshTokens.family_id} <> ${keepFamilyId}` : sql`true`;
  await db
    .update(refreshTokens)
    .set({ revoked_at: now })
    .where(and(eq(refreshTokens.user_id, userId), isNull(refreshTokens.revoked_at), others));
}

export async function denyAccessToken(db: Db, jti: string, expiresAt: Date): Promise<void> {
  await db.insert(revokedAccessTokens).values({ jti, expires_at: expiresAt }).onConflictDoNothing();
}

/** Denylists a single-use credential's jti; false when it was already there (used before). */
export async function consumeOnce(db: Db, jti: string, expiresAt: Date): Promise<boolean> {
  const rows = await db
    .insert(revokedAccessTokens)
    .values({ jti, expires_at: expiresAt })
    .onConflictDoNothing()
    .returning({ jti: revokedAccessTokens.jti });
  return rows.length > 0;
}

export async function purgeExpiredAuthRows(db: Db, now: Date): Promise<void> {
  await db.delete(revokedAccessTokens).where(lt(revokedAccessTokens.expires_at, now));
  await db.delete(refreshTokens).where(lt(refreshTokens.expires_at, now));
}

/** The session's user, and whether its token was denylisted or its family revoked (or not theirs): one round trip. */
export async function findSessionUser(db: Db, claims: { user_id: string; jti: string; family_id: string }) {
  const [row] = await db
    .select({
      user_id: users.user_id,
      username: users.username,
      is_admin: users.is_admin,
      is_active: users.is_active,
      denied: sql<boolean>`exists (select 1 from ${revokedAccessTokens} where ${revokedAccessTokens.jti} = ${claims.jti}::uuid)`,
      // The family must be live AND the token's user's own: a token signed with a stolen secret cannot pair
      // someone's `sub` with the forger's own session.
      family_revoked: sql<boolean>`not exists (select 1 from ${refreshTokens} where ${refreshTokens.family_id} = ${claims.family_id}::uuid and ${refreshTokens.user_id} = ${claims.user_id}::uuid and ${refreshTokens.revoked_at} is null)`,
    })
    .from(users)
    .where(eq(users.user_id, claims.user_id));
  return row;
}
