import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import { apiKeys, users } from "../db/schema.ts";
import { type Db, selectRows, ts } from "../db/store.ts";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertApiKey(
  db: Db,
  values: {
    user_id: string;
    name: string;
    prefix: string;
    key_hash: string;
    scope: "full" | "worker";
    created_by_key_id: string | null;
  },
): Promise<ApiKeyRow> {
  const [row] = await db.insert(apiKeys).values(values).returning();
  if (!row) throw new Error("insert api_keys returned nothing");
  return row;
}

export async function findActiveKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.key_hash, keyHash), isNull(apiKeys.revoked_at)));
  return row;
}

export async function findActiveKeyWithUser(db: Db, keyHash: string) {
  const [row] = await db
    .select({
      key_id: apiKeys.key_id,
      user_id: users.user_id,
      username: users.username,
      is_admin: users.is_admin,
      is_active: users.is_active,
      scope: apiKeys.scope,
    })
    .from(apiKeys)
    .innerJoin(users, eq(users.user_id, apiKeys.user_id))
    .where(and(eq(apiKeys.key_hash, keyHash), isNull(apiKeys.revoked_at)));
  return row;
}

/**
 * `last_used_at` is written at most once a minute per key and process, so authentication stays a
 * read on the hot path; the guarded UPDATE keeps replicas from writing it more often than that.
 */
export const keyUsage = {
  lastWritten: new Map<string, number>(),
  async touch(db: Db, keyId: string, now: Date): Promise<void> {
    const last = this.lastWritten.get(keyId);
    if (last !== undefined && now.getTime() - last < 60_000) return;
    this.lastWritten.set(keyId, now.getTime());
    await touchKeyUsed(db, keyId, now);
  },
};

async function touchKeyUsed(db: Db, keyId: string, now: Date): Promise<void> {
  const aMinuteAgo = new Date(now.getTime() - 60_000);
  await db
    .update(apiKeys)
    .set({ last_used_at: now })
    .where(and(eq(apiKeys.key_id, keyId), or(isNull(apiKeys.last_used_at), lt(apiKeys.last_used_at, aMinuteAgo))));
}

export async function listKeysOfUser(db: Db, userId: string): Promise<ApiKeyRow[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.user_id, userId)).orderBy(desc(apiKeys.created_at));
}

/**
 * Revokes the user's key and, transitively, every key minted with it (a leaked key's offspring die with it).
 * Returns the ids revoked, the named key first; empty when the user has no such key.
 */
export async function revokeKeyAndMinted(db: Db, userId: string, keyId: string, now: Date): Promise<string[]> {
  const rows = await selectRows<{ key_id: string; depth: number }>(
    db,
    sql`
    with recursive tree(key_id, depth) as (
      select key_id, 0 from api_keys where key_id = ${keyId}::uuid and user_id = ${userId}::uuid
      union
      select child.key_id, tree.depth + 1 from api_keys child join tree on child.created_by_key_id = tree.key_id
    ),
    revoked as (
      update api_keys set revoked_at = coalesce(api_keys.revoked_at, ${ts(now)})
      from tree where api_keys.key_id = tree.key_id
      returning api_keys.key_id
    )
    select revoked.key_id, tree.depth from revoked join tree on tree.key_id = revoked.key_id order by tree.depth`,
  );
  return rows.map((row) => row.key_id);
}
