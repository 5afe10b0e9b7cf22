// SQL of workers and who may use them (user_workers).
import type { WorkerRole } from "@garageswarm/protocol";
import { and, asc, eq, getTableColumns, ne, sql } from "drizzle-orm";
import { tasks, users, userWorkers, workers } from "../db/schema.ts";
import { type Db, selectRows } from "../db/store.ts";

export type WorkerRow = typeof workers.$inferSelect;
export type WorkerWithRole = WorkerRow & { role: WorkerRole; held_tasks: number };

/** Roles whose holder's tasks may run on the worker. */
export const RUNNING_ROLES: WorkerRole[] = ["owner", "operator"];

export async function findMembership(
  db: Db,
  userId: string,
  workerId: string,
): Promise<{ role: WorkerRole } | undefined> {
  const [row] = await db
    .select({ role: userWorkers.role })
    .from(userWorkers)
    .where(and(eq(userWorkers.user_id, userId), eq(userWorkers.worker_id, workerId), eq(userWorkers.is_active, true)));
  return row ? { role: row.role as WorkerRole } : undefined;
}

const heldTasks = sql<number>`(select count(*)::int from ${tasks} where ${tasks.worker_id} = ${workers.worker_id} and ${tasks.status} in ('assigned', 'running'))`;

function selectWithRole(db: Db) {
  return db
    .select({ ...getTableColumns(workers), role: userWorkers.role, held_tasks: heldTasks })
    .from(workers)
    .innerJoin(userWorkers, eq(userWorkers.worker_id, workers.worker_id));
}

export async function findWorkerForUser(db: Db, userId: string, workerId: string): Promise<WorkerWithRole | undefined> {
  const [row] = await selectWithRole(db).where(
    and(eq(workers.worker_id, workerId), eq(userWorkers.user_id, userId), eq(userWorkers.is_active, true)),
  );
  return row as WorkerWithRole | undefined;
}

export async function listWorkersForUser(db: Db, userId: string): Promise<WorkerWithRole[]> {
  const rows = await selectWithRole(db)
    .where(and(eq(userWorkers.user_id, userId), eq(userWorkers.is_active, true)))
    .orderBy(asc(workers.machine_name), asc(workers.worker_id));
  return rows as WorkerWithRole[];
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
    .onConflictDoUpdate({ target: [workers.owner_user_id, workers.machine_id], set: changes })
    .returning({ ...getTableColumns(workers), inserted: sql<boolean>`(xmax = 0)` });
  if (!row) throw new Error("upsert workers returned nothing");
  const { inserted, ...worker } = row;
  return { row: worker, inserted };
}

export async function upsertMembership(db: Db, userId: string, workerId: string, role: WorkerRole): Promise<void> {
  await db
    .insert(userWorkers)
    .values({ user_id: userId, worker_id: workerId, role })
    .onConflictDoUpdate({ target: [userWorkers.user_id, userWorkers.worker_id], set: { role, is_active: true } });
}

/** Never removes the worker's registering owner, who could otherwise lock themselves out. */
export async function deleteMembership(db: Db, workerId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(userWorkers)
    .where(
      and(
        eq(userWorkers.worker_id, workerId),
        eq(userWorkers.user_id, userId),
        ne(userWorkers.user_id, sql`(select owner_user_id from ${workers} where worker_id = ${workerId})`),
      ),
    )
    .returning({ user_id: userWorkers.user_id });
  return rows.length > 0;
}

export async function listMembers(db: Db, workerId: string) {
  return db
    .select({
      user_id: userWorkers.user_id,
      username: users.username,
      role: userWorkers.role,
      created_at: userWorkers.created_at,
    })
    .from(userWorkers)
    .innerJoin(users, eq(users.user_id, userWorkers.user_id))
    .where(and(eq(userWorkers.worker_id, workerId), eq(userWorkers.is_active, true)))
    .orderBy(asc(userWorkers.created_at), asc(users.username));
}

export async function findUserIdByUsername(db: Db, username: string): Promise<string | undefined> {
  const [row] = await db
    .select({ user_id: users.user_id })
    .from(users)
    .where(and(sql`lower(${users.username}) = ${username.toLowerCase()}`, eq(users.is_active, true)));
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
    sample: { cpu_percent: number; memory_percent: number; disk_percent: number; tools?: unknown[] | undefined };
    runningTaskIds: string[];
    now: Date;
    leaseExpiresAt: Date;
  },
): Promise<HeartbeatOutcome> {
  const { userId, workerId, sample, now } = input;
  const ids = `{${input.runningTaskIds.join(",")}}`;
  const [row] = await selectRows<{
    role: WorkerRole | null;
    was_offline: boolean | null;
    worker_id: string | null;
    owner_user_id: string;
    status: string;
    draining: boolean;
    stop: string[];
  }>(
    db,
    sql`
    with access as (
      select m.role from user_workers m
      where m.worker_id = ${workerId}::uuid and m.user_id = ${userId}::uuid and m.is_active
    ),
    before as (select status from workers where worker_id = ${workerId}::uuid),
    updated as (
      update workers set cpu_percent = ${sample.cpu_percent}, memory_percent = ${sample.memory_percent},
        disk_percent = ${sample.disk_percent},
        tools = coalesce(${sample.tools ? JSON.stringify(sample.tools) : null}::jsonb, workers.tools),
        status = 'online', last_heartbeat_at = ${now.toISOString()}::timestamptz,
        updated_at = ${now.toISOString()}::timestamptz
      where worker_id = ${workerId}::uuid and exists (select 1 from access where role = 'owner')
      returning worker_id, owner_user_id, status, draining
    ),
    renewed as (
      update tasks set lease_expires_at = ${input.leaseExpiresAt.toISOString()}::timestamptz
      where task_id = any(${ids}::uuid[]) and worker_id = ${workerId}::uuid
        and status in ('assigned', 'running') and exists (select 1 from updated)
    )
    select (select role from access) as role, (select status = 'offline' from before) as was_offline,
      u.worker_id, u.owner_user_id, u.status, u.draining,
      array(select id::text from unnest(${ids}::uuid[]) as id where not exists (
        select 1 from tasks t where t.task_id = id and t.worker_id = ${workerId}::uuid
          and t.status in ('assigned', 'running'))) as stop
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
