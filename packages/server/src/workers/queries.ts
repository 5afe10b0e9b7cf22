// SQL of workers and who may use them (user_workers).
import type { WorkerRole } from "@garageswarm/protocol";
import { and, asc, eq, getTableColumns, ne, sql } from "drizzle-orm";
import { tasks, users, userWorkers, workers } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

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

export async function recordHeartbeat(
  db: Db,
  workerId: string,
  sample: {
    cpu_percent: number;
    memory_percent: number;
    disk_percent: number;
    tools?: unknown[] | undefined;
  },
  now: Date,
): Promise<{ row: WorkerRow; wasOffline: boolean } | undefined> {
  const [row] = await db
    .update(workers)
    .set({
      cpu_percent: sample.cpu_percent,
      memory_percent: sample.memory_percent,
      disk_percent: sample.disk_percent,
      ...(sample.tools ? { tools: sample.tools } : {}),
      status: "online",
      last_heartbeat_at: now,
      updated_at: now,
    })
    .where(eq(workers.worker_id, workerId))
    .returning({
      ...getTableColumns(workers),
      // The pre-update status, read from the same statement's snapshot.
      was_offline: sql<boolean>`(select w.status = 'offline' from ${workers} w where w.worker_id = ${workerId})`,
    });
  if (!row) return undefined;
  const { was_offline, ...worker } = row;
  return { row: worker, wasOffline: was_offline };
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
