// SQL of the tasks a user manages: read, list, patch, delete, and the event log. Every status transition
// (insert and cancel included) is in queue/transitions/, listed in queue/task-machine.ts.
import type { TaskPatch, TaskSort, TaskStatus, ToolId } from "@garageswarm/protocol";
import { and, desc, eq, inArray, notInArray, type SQL, sql } from "drizzle-orm";
import { heldTasksOf } from "../allocator/queries.ts";
import { tasks, users, workers } from "../db/schema.ts";
import { type Db, selectRows, uuidArray } from "../db/store.ts";
import { HELD_STATUSES } from "../queue/task-machine.ts";
import { mayRunTasksOn } from "../workers/membership.ts";
import type { RunnableWorker } from "./waiting-reason.ts";

export type TaskRow = typeof tasks.$inferSelect;
export type NewTaskRow = typeof tasks.$inferInsert;

export async function findTaskOfUser(db: Db, userId: string, taskId: string): Promise<TaskRow | undefined> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.task_id, taskId), eq(tasks.user_id, userId)));
  return row;
}

/** Which of these ids are the user's tasks. */
export async function findTaskIdsOfUser(db: Db, userId: string, taskIds: readonly string[]): Promise<string[]> {
  const rows = await db
    .select({ task_id: tasks.task_id })
    .from(tasks)
    .where(and(eq(tasks.user_id, userId), inArray(tasks.task_id, [...taskIds])));
  return rows.map((row) => row.task_id);
}

export interface TaskListFilter {
  status?: TaskStatus | undefined;
  worker_id?: string | undefined;
  workflow_id?: string | undefined;
  q?: string | undefined;
  tool?: ToolId | undefined;
}

/** Where the previous page ended: `created_at` at full (microsecond) precision, then the id. */
export interface TaskCursor {
  created_at: string;
  task_id: string;
}

/** How a page is found: by keyset after a row (newest first only), or by skipping rows (any sort). */
export type TaskListWindow =
  | { kind: "after"; cursor: TaskCursor | null }
  | { kind: "offset"; offset: number; sort: TaskSort; order: "asc" | "desc" };

function filterConditions(userId: string, filter: TaskListFilter): SQL[] {
  const conditions: SQL[] = [eq(tasks.user_id, userId)];
  if (filter.status) conditions.push(eq(tasks.status, filter.status));
  if (filter.worker_id) conditions.push(eq(tasks.worker_id, filter.worker_id));
  if (filter.workflow_id) conditions.push(eq(tasks.workflow_id, filter.workflow_id));
  if (filter.tool) conditions.push(eq(tasks.tool, filter.tool));
  if (filter.q) {
    // A user's tasks are few enough (tasks_user_created_idx narrows to them) that a scan of their text is fine.
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(sql`(${tasks.description} ilike ${pattern} or ${tasks.prompt} ilike ${pattern})`);
  }
  return conditions;
}

// Null durations (never started) sort last either way; a running task's duration grows until now.
const sortColumns: Record<TaskSort, SQL> = {
  created_at: sql`${tasks.created_at}`,
  updated_at: sql`${tasks.updated_at}`,
  description: sql`lower(${tasks.description})`,
  status: sql`${tasks.status}`,
  tool: sql`${tasks.tool}`,
  duration: sql`(coalesce(${tasks.completed_at}, now()) - ${tasks.started_at})`,
  priority: sql`${tasks.priority}`,
};

/** One page of a user's tasks; the keyset window is newest first by (created_at, task_id), so pages never repeat or skip under inserts. */
export async function listTasksOfUser(
  db: Db,
  userId: string,
  filter: TaskListFilter,
  window: TaskListWindow,
  limit: number,
): Promise<Array<TaskRow & { cursor_created_at: string }>> {
  const conditions = filterConditions(userId, filter);
  if (window.kind === "after" && window.cursor) {
    conditions.push(
      sql`(${tasks.created_at}, ${tasks.task_id}) < (${window.cursor.created_at}::timestamptz, ${window.cursor.task_id}::uuid)`,
    );
  }
  const order =
    window.kind === "after"
      ? [desc(tasks.created_at), desc(tasks.task_id)]
      : [
          sql`${sortColumns[window.sort]} ${window.order === "asc" ? sql`asc` : sql`desc`} nulls last`,
          // Ties broken by the keyset order, so offset pages are stable.
          desc(tasks.created_at),
          desc(tasks.task_id),
        ];
  const rows = await db
    .select({
      task: tasks,
      cursor_created_at: sql<string>`to_char(${tasks.created_at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(tasks)
    .where(and(...conditions))
    .orderBy(...order)
    .limit(limit)
    .offset(window.kind === "offset" ? window.offset : 0);
  return rows.map((row) => ({ ...row.task, cursor_created_at: row.cursor_created_at }));
}

/** How many of the user's tasks match the filter: the list's total. */
export async function countTasksOfUser(db: Db, userId: string, filter: TaskListFilter): Promise<number> {
  const [row] = await db
    .select({ total: sql<number>`count(*)::int` })
    .from(tasks)
    .where(and(...filterConditions(userId, filter)));
  return Number(row?.total ?? 0);
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
          where ${workers.worker_id} = any(${uuidArray(workerIds)})
        union all
        select 'user', ${users.user_id}::text, ${users.username} from ${users}
          where ${users.user_id} = any(${uuidArray(ownerIds)})`,
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
        from unnest(${uuidArray(userIds)}) as runner(user_id)
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
