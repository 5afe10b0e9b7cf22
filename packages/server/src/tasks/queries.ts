// SQL of the tasks a user manages: create, read, list, patch, delete, cancel, and the event log.
// The worker-side transitions (claim, start, complete, fail, lease expiry) live in queue/queries.ts.
import type { TaskPatch, TaskStatus } from "@garageswarm/protocol";
import { and, desc, eq, inArray, notInArray, sql } from "drizzle-orm";
import { heldTasksOf } from "../allocator/queries.ts";
import { taskEvents, tasks, users, workers } from "../db/schema.ts";
import { type Db, selectRows } from "../db/store.ts";
import { mayRunTasksOn } from "../workers/membership.ts";
import type { RunnableWorker } from "./waiting-reason.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type NewTaskRow = typeof tasks.$inferInsert;

/** Statuses a worker holds the task in: it may not be edited or deleted then. */
export const HELD_STATUSES = ["assigned", "running"] as const satisfies TaskStatus[];
/** Statuses that can still be cancelled. */
export const LIVE_STATUSES = ["pending", "queued", "assigned", "running"] as const satisfies TaskStatus[];

/** Inserts the task and its first `status` event in one statement: one round trip, atomic without a transaction. */
export async function insertTask(db: Db, values: NewTaskRow): Promise<TaskRow> {
  const [row] = await selectRows<Record<string, unknown>>(
    db,
    sql`
    with inserted as (${db.insert(tasks).values(values).returning().getSQL()}),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status', jsonb_build_object('status', status, 'worker_id', worker_id), created_at
      from inserted
    )
    select * from inserted`,
  );
  if (!row) throw new Error("insert tasks returned nothing");
  return asTaskRow(row);
}

export async function findTaskOfUser(db: Db, userId: string, taskId: string): Promise<TaskRow | undefined> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.task_id, taskId), eq(tasks.user_id, userId)));
  return row;
}

export interface TaskListFilter {
  status?: TaskStatus | undefined;
  worker_id?: string | undefined;
  workflow_id?: string | undefined;
}

/** Where the previous page ended: `created_at` at full (microsecond) precision, then the id. */
export interface TaskCursor {
  created_at: string;
  task_id: string;
}

/** Newest first, by keyset on (created_at, task_id), so pages never repeat or skip under inserts. */
export async function listTasksOfUser(
  db: Db,
  userId: string,
  filter: TaskListFilter,
  after: TaskCursor | null,
  limit: number,
): Promise<Array<TaskRow & { cursor_created_at: string }>> {
  const conditions = [eq(tasks.user_id, userId)];
  if (filter.status) conditions.push(eq(tasks.status, filter.status));
  if (filter.worker_id) conditions.push(eq(tasks.worker_id, filter.worker_id));
  if (filter.workflow_id) conditions.push(eq(tasks.workflow_id, filter.workflow_id));
  if (after) {
    conditions.push(
      sql`(${tasks.created_at}, ${tasks.task_id}) < (${after.created_at}::timestamptz, ${after.task_id}::uuid)`,
    );
  }
  const rows = await db
    .select({
      task: tasks,
      cursor_created_at: sql<string>`to_char(${tasks.created_at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(tasks)
    .where(and(...conditions))
    .orderBy(desc(tasks.created_at), desc(tasks.task_id))
    .limit(limit);
  return rows.map((row) => ({ ...row.task, cursor_created_at: row.cursor_created_at }));
}

/** Guarded: only while no worker holds the task. */
export async function patchTask(
  db: Db,
  userId: string,
  taskId: string,
  patch: TaskPatch,
  now: Date,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(tasks)
    .set({ ...patch, updated_at: now })
    .where(and(eq(tasks.task_id, taskId), eq(tasks.user_id, userId), notInArray(tasks.status, HELD_STATUSES)))
    .returning();
  return row;
}

/** Guarded: only while no worker holds the task. Its events go with it (cascade). */
export async function deleteTask(db: Db, userId: string, taskId: string): Promise<boolean> {
  const rows = await db
    .delete(tasks)
    .where(and(eq(tasks.task_id, taskId), eq(tasks.user_id, userId), notInArray(tasks.status, HELD_STATUSES)))
    .returning({ task_id: tasks.task_id });
  return rows.length > 0;
}

/** Guarded: only a live task. A held one keeps its `worker_id`, so the caller can tell that worker to stop. */
export async function cancelTask(db: Db, userId: string, taskId: string, now: Date): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(tasks)
    .set({ status: "cancelled", lease_expires_at: null, completed_at: now, updated_at: now })
    .where(and(eq(tasks.task_id, taskId), eq(tasks.user_id, userId), inArray(tasks.status, LIVE_STATUSES)))
    .returning();
  return row;
}

export async function insertTaskEvent(db: Db, event: typeof taskEvents.$inferInsert): Promise<void> {
  await db.insert(taskEvents).values(event);
}

/** Names for the tasks' provenance (`ran_on`): the machines holding them and whose machines those are. */
export interface PlacementNames {
  machines: Map<string, string>;
  owners: Map<string, string>;
}

export async function findPlacementNames(db: Db, rows: readonly TaskRow[]): Promise<PlacementNames> {
  const workerIds = [...new Set(rows.flatMap((row) => (row.worker_id ? [row.worker_id] : [])))];
  const ownerIds = [...new Set(rows.flatMap((row) => (row.worker_owner_user_id ? [row.worker_owner_user_id] : [])))];
  const names: PlacementNames = { machines: new Map(), owners: new Map() };
  if (ownerIds.length === 0 && workerIds.length === 0) return names;
  const found = await selectRows<{ kind: "worker" | "user"; id: string; name: string }>(
    db,
    sql`select 'worker' as kind, ${workers.worker_id}::text as id, ${workers.machine_name} as name from ${workers}
          where ${workers.worker_id} = any(${`{${workerIds.join(",")}}`}::uuid[])
        union all
        select 'user', ${users.user_id}::text, ${users.username} from ${users}
          where ${users.user_id} = any(${`{${ownerIds.join(",")}}`}::uuid[])`,
  );
  for (const row of found) (row.kind === "worker" ? names.machines : names.owners).set(row.id, row.name);
  return names;
}

/**
 * The workers each of these users may run tasks on (owns, or accepted a running share of), whatever their
 * status, with what they hold now in all and by tool: what the waiting reasons read, in one query.
 */
export async function findRunnableWorkersOf(
  db: Db,
  userIds: readonly string[],
): Promise<Array<RunnableWorker & { user_id: string }>> {
  if (userIds.length === 0) return [];
  return selectRows<RunnableWorker & { user_id: string }>(
    db,
    sql`select runner.user_id::text as user_id, w.worker_id, w.machine_name, w.status, w.draining, w.tools, w.labels,
               w.capacity, w.slots, held.running_tasks, held.held_by_tool
        from unnest(${`{${userIds.join(",")}}`}::uuid[]) as runner(user_id)
        join workers w on ${mayRunTasksOn(sql`runner.user_id`, sql`w.worker_id`)}
        cross join lateral ${heldTasksOf(sql`w.worker_id`)} held
        order by w.machine_name, w.worker_id`,
  );
}

const timestampColumns = [
  "available_at",
  "created_at",
  "updated_at",
  "started_at",
  "completed_at",
  "lease_expires_at",
] as const;

/** A row of a raw `… returning tasks.*`: both drivers answer with the column names; timestamps may arrive as text. */
export function asTaskRow(raw: Record<string, unknown>): TaskRow {
  const row = { ...raw };
  for (const column of timestampColumns) {
    const value = row[column];
    if (value !== null && value !== undefined && !(value instanceof Date)) row[column] = new Date(String(value));
  }
  return row as TaskRow;
}
