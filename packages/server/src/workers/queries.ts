// The worker lifecycle on the server. `workers.status` holds online | offline (a CHECK keeps it so);
// `draining` is a flag beside the status, and a deleted worker has no row, only its `deleted` event.
//
//   (none)  ── register (upsertWorker) ───────────────────────────────────────────────────▶ online
//   offline ── register · hello (realtime/queries.ts updateWorkerFromHello) · heartbeat ───▶ online
//              (recordHeartbeat; online stays online on each of them)
//   online  ── silent for MISSED_HEARTBEATS_UNTIL_OFFLINE intervals (queue/transitions/leases.ts ──▶ offline
//              markSilentWorkersOffline, in the reaper's pass) · its owner disabled
//              (admin/queries.ts takeWorkersOffline)
//   online | offline ── drain / undrain (setDraining) ──▶ the same status, `draining` set or cleared
//   online | offline ── delete (deleteWorker, owner only) ──▶ no row; the event says `deleted`
//
// Invariants:
// - Every transition publishes `worker.updated` with the status after it (`deleted` for a delete); a hello
//   or heartbeat of an online worker changes no status and publishes nothing (realtime/greeting.ts).
// - Going offline and deletion end the worker's leases in the same statement or transaction, so the
//   reaper re-queues what it held; while online, its heartbeats renew them.
// - Pushed offers go only to online workers that are not draining (allocator/queries.ts); a pull claim
//   needs only "not draining" (queue/transitions/claim.ts): the worker asking is alive whatever its row says.
// - A socket closing changes nothing here: silence does. Re-registering keeps `draining`.
//
// SQL of workers and who may use them (user_workers). A membership counts only once accepted
// (membership.ts); offers are read here only to list, accept or decline them.
import type { Heartbeat, WorkerRole, WorkerStatus } from "@garageswarm/protocol";
import { and, asc, eq, getTableColumns, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { tasks, users, userWorkers, workers } from "../db/schema.ts";
import { type Db, selectRows, ts, uuidArray } from "../db/store.ts";
import { HELD } from "../queue/statements.ts";
import { renewLeasesStatement } from "../queue/transitions/leases.ts";
import { isAcceptedMembership } from "./membership.ts";
import { keepServerLimits } from "./tool-limits.ts";

export type WorkerRow = typeof workers.$inferSelect;
export type WorkerWithRole = WorkerRow & { role: WorkerRole; held_tasks: number; owner_username: string };

/** The user's accepted role on the worker, if any. */
export async function findMembership(
  db: Db,
  userId: string,
  workerId: string,
): Promise<{ role: WorkerRole } | undefined> {
  const [row] = await db
    .select({ role: userWorkers.role })
    .from(userWorkers)
    .where(and(eq(userWorkers.user_id, userId), eq(userWorkers.worker_id, workerId), isAcceptedMembership));
  return row;
}

/** The user's row on the worker whatever its status (an offer or a membership), for the share verbs. */
export async function findShareRow(db: Db, userId: string, workerId: string) {
  const [row] = await db
    .select({ role: userWorkers.role, status: userWorkers.status })
    .from(userWorkers)
    .where(and(eq(userWorkers.user_id, userId), eq(userWorkers.worker_id, workerId), eq(userWorkers.is_active, true)));
  return row;
}

const heldTasks = sql<number>`(select count(*)::int from ${tasks} where ${tasks.worker_id} = ${workers.worker_id} and ${tasks.status} in ${HELD})`;
const ownerUsername = sql<string>`(select ${users.username} from ${users} where ${users.user_id} = ${workers.owner_user_id})`;

function selectWithRole(db: Db) {
  return db
    .select({
      ...getTableColumns(workers),
      role: userWorkers.role,
      held_tasks: heldTasks,
      owner_username: ownerUsername,
    })
    .from(workers)
    .innerJoin(userWorkers, eq(userWorkers.worker_id, workers.worker_id));
}

export async function findWorkerForUser(db: Db, userId: string, workerId: string): Promise<WorkerWithRole | undefined> {
  const [row] = await selectWithRole(db).where(
    and(eq(workers.worker_id, workerId), eq(userWorkers.user_id, userId), isAcceptedMembership),
  );
  return row as WorkerWithRole | undefined;
}

export async function listWorkersForUser(db: Db, userId: string): Promise<WorkerWithRole[]> {
  const rows = await selectWithRole(db)
    .where(and(eq(userWorkers.user_id, userId), isAcceptedMembership))
    .orderBy(asc(workers.machine_name), asc(workers.worker_id));
  return rows as WorkerWithRole[];
}

/** The users who may see the worker: its accepted members (the owner among them). */
export async function listAcceptedMemberIds(db: Db, workerId: string): Promise<string[]> {
  const rows = await db
    .select({ user_id: userWorkers.user_id })
    .from(userWorkers)
    .where(and(eq(userWorkers.worker_id, workerId), isAcceptedMembership));
  return rows.map((row) => row.user_id);
}

/** One worker per (owner, machine_id): registering again updates it. `inserted` says which happened. */
export async function upsertWorker(
  db: Db,
  values: Omit<typeof workers.$inferInsert, "worker_id" | "created_at">,
): Promise<{ row: WorkerRow; inserted: boolean }> {
  const { owner_user_id: _owner, machine_id: _machine, ...changes } = values;
  const [row] = await db
    .insert(workers)
    .values({ ...values, created_at: values.updated_at })
    .onConflictDoUpdate({
      target: [workers.owner_user_id, workers.machine_id],
      set: {
        ...changes,
        tools: keepServerLimits(sql`excluded.tools`, sql`${workers.tools}`, values.updated_at ?? new Date()),
      },
    })
    .returning({ ...getTableColumns(workers), inserted: sql<boolean>`(xmax = 0)` });
  if (!row) throw new Error("upsert workers returned nothing");
  const { inserted, ...worker } = row;
  return { row: worker, inserted };
}

/** The registering owner's own row: accepted from the start (nobody needs to consent to their own machine). */
export async function upsertOwnerMembership(db: Db, userId: string, workerId: string, now: Date): Promise<void> {
  const accepted = { role: "owner" as const, status: "accepted" as const, is_active: true, offered_by_user_id: null };
  await db
    .insert(userWorkers)
    .values({ user_id: userId, worker_id: workerId, ...accepted, accepted_at: now, created_at: now })
    .onConflictDoUpdate({
      target: [userWorkers.user_id, userWorkers.worker_id],
      set: { ...accepted, accepted_at: sql`coalesce(${userWorkers.accepted_at}, ${ts(now)})` },
    });
}

/** Offers the role (a new offer, or a pending one replaced): it grants nothing until accepted. */
export async function upsertOffer(
  db: Db,
  offer: { userId: string; workerId: string; role: WorkerRole; offeredBy: string; now: Date },
): Promise<void> {
  const values = {
    role: offer.role,
    status: "offered" as const,
    is_active: true,
    offered_by_user_id: offer.offeredBy,
    accepted_at: null,
    created_at: offer.now,
  };
  await db
    .insert(userWorkers)
    .values({ user_id: offer.userId, worker_id: offer.workerId, ...values })
    .onConflictDoUpdate({ target: [userWorkers.user_id, userWorkers.worker_id], set: values });
}

/** Narrows an accepted member's role in place (narrowing needs no consent). */
export async function setAcceptedRole(db: Db, workerId: string, userId: string, role: WorkerRole): Promise<void> {
  await db
    .update(userWorkers)
    .set({ role })
    .where(and(eq(userWorkers.worker_id, workerId), eq(userWorkers.user_id, userId), isAcceptedMembership));
}

/** The recipient accepts their pending offer; false when there is none. */
export async function acceptOffer(db: Db, workerId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(userWorkers)
    .set({ status: "accepted", accepted_at: now })
    .where(
      and(
        eq(userWorkers.worker_id, workerId),
        eq(userWorkers.user_id, userId),
        eq(userWorkers.status, "offered"),
        eq(userWorkers.is_active, true),
      ),
    )
    .returning({ user_id: userWorkers.user_id });
  return rows.length > 0;
}

/** The recipient declines their pending offer; false when there is none. */
export async function deleteOffer(db: Db, workerId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(userWorkers)
    .where(and(eq(userWorkers.worker_id, workerId), eq(userWorkers.user_id, userId), eq(userWorkers.status, "offered")))
    .returning({ user_id: userWorkers.user_id });
  return rows.length > 0;
}

const offeredBy = alias(users, "offered_by");
const owners = alias(users, "owners");

/** The offers waiting for the user's answer, newest first. */
export async function listOffersFor(db: Db, userId: string) {
  return db
    .select({
      worker_id: workers.worker_id,
      machine_name: workers.machine_name,
      platform: workers.platform,
      tools: workers.tools,
      role: userWorkers.role,
      owner_user_id: workers.owner_user_id,
      owner_username: owners.username,
      offered_by_user_id: userWorkers.offered_by_user_id,
      offered_by_username: offeredBy.username,
      offered_at: userWorkers.created_at,
    })
    .from(userWorkers)
    .innerJoin(workers, eq(workers.worker_id, userWorkers.worker_id))
    .innerJoin(owners, eq(owners.user_id, workers.owner_user_id))
    .leftJoin(offeredBy, eq(offeredBy.user_id, userWorkers.offered_by_user_id))
    .where(and(eq(userWorkers.user_id, userId), eq(userWorkers.status, "offered"), eq(userWorkers.is_active, true)))
    .orderBy(sql`${userWorkers.created_at} desc`, asc(workers.worker_id));
}

/**
 * Removes the user's row, offer or membership; never the worker's registering owner, who could otherwise
 * lock themselves out. Returns the removed row's role and status.
 */
export async function deleteMembership(
  db: Db,
  workerId: string,
  userId: string,
): Promise<{ role: WorkerRole; status: string } | undefined> {
  const rows = await db
    .delete(userWorkers)
    .where(
      and(
        eq(userWorkers.worker_id, workerId),
        eq(userWorkers.user_id, userId),
        ne(userWorkers.user_id, sql`(select owner_user_id from ${workers} where worker_id = ${workerId})`),
      ),
    )
    .returning({ role: userWorkers.role, status: userWorkers.status });
  const [row] = rows;
  return row;
}

/** Accepted members only: who has a pending offer is the recipient's business, not the sharer's. */
export async function listMembers(db: Db, workerId: string) {
  return db
    .select({
      user_id: userWorkers.user_id,
      username: users.username,
      role: userWorkers.role,
      created_at: userWorkers.created_at,
      accepted_at: userWorkers.accepted_at,
    })
    .from(userWorkers)
    .innerJoin(users, eq(users.user_id, userWorkers.user_id))
    .where(and(eq(userWorkers.worker_id, workerId), isAcceptedMembership))
    .orderBy(asc(userWorkers.created_at), asc(users.username));
}

export async function findWorkerRow(db: Db, workerId: string): Promise<WorkerRow | undefined> {
  const [row] = await db.select().from(workers).where(eq(workers.worker_id, workerId));
  return row;
}

export async function findUserIdByUsername(db: Db, username: string): Promise<string | undefined> {
  const [row] = await db
    .select({ user_id: users.user_id })
    .from(users)
    .where(and(sql`lower(${users.username}) = lower(${username})`, eq(users.is_active, true)));
  return row?.user_id;
}

export async function userExists(db: Db, userId: string): Promise<boolean> {
  const [row] = await db
    .select({ user_id: users.user_id })
    .from(users)
    .where(and(eq(users.user_id, userId), eq(users.is_active, true)));
  return Boolean(row);
}

export interface HeartbeatOutcome {
  /** The caller's role on the worker; null when it has none (or the worker is gone). */
  role: WorkerRole | null;
  /** Set when the heartbeat was recorded (the caller is the owner). */
  worker: Pick<WorkerRow, "worker_id" | "owner_user_id" | "status" | "draining"> | null;
  wasOffline: boolean;
  /** Of the reported tasks, those the worker no longer holds (cancelled, re-queued, gone): it must stop them. */
  stop: string[];
  /** The battery's level or charging differs from the last heartbeat's (dashboards show it). */
  batteryChanged: boolean;
}

/**
 * A heartbeat in one statement: checks the caller owns the worker, marks it online with its sample,
 * renews the leases of the reported tasks it still holds, and names those it must stop.
 */
export async function recordHeartbeat(
  db: Db,
  input: {
    userId: string;
    workerId: string;
    /** The resources are all present or all absent (the Heartbeat schema says so); absent ones are stored as unknown. */
    sample: Pick<Heartbeat, "cpu_percent" | "memory_percent" | "disk_percent" | "battery" | "tools">;
    runningTaskIds: string[];
    now: Date;
    leaseExpiresAt: Date;
  },
): Promise<HeartbeatOutcome> {
  const { userId, workerId, sample, now } = input;
  const ids = uuidArray(input.runningTaskIds);
  const [row] = await selectRows<{
    role: WorkerRole | null;
    was_offline: boolean | null;
    worker_id: string | null;
    owner_user_id: string;
    status: WorkerStatus;
    draining: boolean;
    stop: string[];
    battery_changed: boolean | null;
  }>(
    db,
    sql`
    with access as (
      select ${userWorkers.role} as role from ${userWorkers}
      where ${userWorkers.worker_id} = ${workerId}::uuid and ${userWorkers.user_id} = ${userId}::uuid
        and ${isAcceptedMembership}
    ),
    before as (
      select status, battery_percent, battery_charging from workers where worker_id = ${workerId}::uuid
    ),
    updated as (
      update workers set cpu_percent = ${sample.cpu_percent ?? null}, memory_percent = ${sample.memory_percent ?? null},
        disk_percent = ${sample.disk_percent ?? null},
        battery_percent = ${sample.battery?.level_percent ?? null}, battery_charging = ${sample.battery?.charging ?? null},
        tools = ${sample.tools ? keepServerLimits(sql`${JSON.stringify(sample.tools)}::jsonb`, sql`workers.tools`, now) : sql`workers.tools`},
        status = 'online', last_heartbeat_at = ${ts(now)}, updated_at = ${ts(now)}
      where worker_id = ${workerId}::uuid and exists (select 1 from access where role = 'owner')
      returning worker_id, owner_user_id, status, draining, battery_percent, battery_charging
    ),
    renewed as (${renewLeasesStatement(workerId, ids, input.leaseExpiresAt, sql`exists (select 1 from updated)`)})
    select (select role from access) as role, (select status = 'offline' from before) as was_offline,
      u.worker_id, u.owner_user_id, u.status, u.draining,
      (select (b.battery_percent is distinct from u.battery_percent)
        or (b.battery_charging is distinct from u.battery_charging) from before b) as battery_changed,
      array(select id::text from unnest(${ids}) as id where not exists (
        select 1 from tasks t where t.task_id = id and t.worker_id = ${workerId}::uuid
          and t.status in ${HELD})) as stop
    from (select 1) as one left join updated u on true`,
  );
  if (!row) throw new Error("heartbeat statement returned nothing");
  return {
    role: row.role,
    worker: row.worker_id
      ? { worker_id: row.worker_id, owner_user_id: row.owner_user_id, status: row.status, draining: row.draining }
      : null,
    wasOffline: row.was_offline === true,
    stop: row.stop ?? [],
    batteryChanged: row.battery_changed === true,
  };
}

export async function setDraining(
  db: Db,
  workerId: string,
  draining: boolean,
  now: Date,
): Promise<WorkerRow | undefined> {
  const [row] = await db
    .update(workers)
    .set({ draining, updated_at: now })
    .where(eq(workers.worker_id, workerId))
    .returning();
  return row;
}

export async function deleteWorker(db: Db, workerId: string): Promise<WorkerRow | undefined> {
  const [row] = await db.delete(workers).where(eq(workers.worker_id, workerId)).returning();
  return row;
}
