// SQL of user administration: the user list, disabling, and invites.
import { and, asc, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { invites, users, workers } from "../db/schema.ts";
import { type Db, ts } from "../db/store.ts";
import { expireLeasesOfWorkersOwnedBy } from "../queue/transitions/leases.ts";

export type InviteRow = typeof invites.$inferSelect;

export async function listUsers(db: Db) {
  return db.select().from(users).orderBy(asc(users.created_at));
}

/** Locks the active admins' rows, so two admins disabling each other cannot leave none (see setUserActive). */
export async function lockActiveAdmins(db: Db): Promise<string[]> {
  const rows = await db
    .select({ user_id: users.user_id })
    .from(users)
    .where(and(eq(users.is_admin, true), eq(users.is_active, true)))
    .for("update");
  return rows.map((row) => row.user_id);
}

export async function setActive(db: Db, userId: string, active: boolean, now: Date) {
  const [row] = await db
    .update(users)
    .set({ is_active: active, updated_at: now })
    .where(eq(users.user_id, userId))
    .returning();
  return row;
}

/** The user's workers go offline and their leases end now, so the reaper re-queues what they held. */
export async function takeWorkersOffline(db: Db, userId: string, now: Date) {
  const gone = await db
    .update(workers)
    .set({ status: "offline", updated_at: now })
    .where(eq(workers.owner_user_id, userId))
    .returning({ worker_id: workers.worker_id, draining: workers.draining });
  if (gone.length > 0) {
    await expireLeasesOfWorkersOwnedBy(db, userId, now);
  }
  return gone;
}

export async function insertInvite(
  db: Db,
  values: { token_hash: string; created_by_user_id: string; email: string | null; expires_at: Date },
): Promise<InviteRow> {
  const [row] = await db.insert(invites).values(values).returning();
  if (!row) throw new Error("insert invites returned nothing");
  return row;
}

export async function listInvites(db: Db, limit: number): Promise<InviteRow[]> {
  return db.select().from(invites).orderBy(desc(invites.created_at)).limit(limit);
}

/** Revokes an invite that was not used yet; undefined when there is no such invite. */
export async function revokeInvite(db: Db, inviteId: string, now: Date): Promise<InviteRow | undefined> {
  const [row] = await db
    .update(invites)
    .set({ revoked_at: sql`coalesce(${invites.revoked_at}, ${ts(now)})` })
    .where(and(eq(invites.invite_id, inviteId), isNull(invites.used_at)))
    .returning();
  if (row) return row;
  const [used] = await db.select().from(invites).where(eq(invites.invite_id, inviteId));
  return used;
}

/**
 * Takes the invite for one registration: a guarded UPDATE, so of two registrations racing on one invite
 * exactly one gets it (the other's UPDATE re-checks `used_at` after the first commits and matches nothing).
 * Rolled back with the registration's transaction when the account cannot be created.
 */
export async function consumeInvite(
  db: Db,
  input: { token_hash: string; email: string; now: Date },
): Promise<InviteRow | undefined> {
  const [row] = await db
    .update(invites)
    .set({ used_at: input.now })
    .where(
      and(
        eq(invites.token_hash, input.token_hash),
        isNull(invites.used_at),
        isNull(invites.revoked_at),
        gt(invites.expires_at, input.now),
        or(isNull(invites.email), sql`lower(${invites.email}) = lower(${input.email})`),
      ),
    )
    .returning();
  return row;
}

export async function recordInviteUser(db: Db, inviteId: string, userId: string): Promise<void> {
  await db.update(invites).set({ used_by_user_id: userId }).where(eq(invites.invite_id, inviteId));
}
