// The insert (→ queued, task-machine.ts), the one path for tasks created through the API (one or a batch)
// and tasks the workflow engine dispatches for its nodes.
import { sql } from "drizzle-orm";
import { tasks, workflowRunTasks } from "../../db/schema.ts";
import { type Db, selectRows } from "../../db/store.ts";
import { asTaskRow, type NewTaskRow, type TaskRow } from "../../tasks/queries.ts";

/** A task to insert; its id is chosen by the caller, so the rows come back in the caller's order. */
export type NewTask = Omit<NewTaskRow, "status" | "task_id"> & { task_id: string };

/** The workflow node attempt a task runs (workflow_run_tasks), for the engine's tasks. */
export interface NodeAttempt {
  task_id: string;
  run_id: string;
  node_id: string;
  iteration: number;
  attempt: number;
}

/** Rows per statement: a task row binds up to ~36 parameters, and a statement may bind at most 65 535. */
export const MAX_TASKS_PER_STATEMENT = 1000;

/**
 * Inserts the tasks, queued, with their first `status` events (and, for a workflow's, their node attempt
 * rows): up to MAX_TASKS_PER_STATEMENT in one statement, all or nothing without a transaction, one round
 * trip; more in several (the engine's caller holds a transaction). Returned in input order. The node
 * attempts' primary key refuses a second task for the same node attempt, failing the statement.
 */
export async function insertTasks(
  db: Db,
  rows: readonly NewTask[],
  nodeAttempts: readonly NodeAttempt[] = [],
): Promise<TaskRow[]> {
  const inserted: TaskRow[] = [];
  for (let start = 0; start < rows.length; start += MAX_TASKS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + MAX_TASKS_PER_STATEMENT);
    const ids = new Set(chunk.map((row) => row.task_id));
    inserted.push(
      ...(await insertChunk(
        db,
        chunk,
        nodeAttempts.filter((attempt) => ids.has(attempt.task_id)),
      )),
    );
  }
  return inserted;
}

async function insertChunk(db: Db, rows: readonly NewTask[], nodeAttempts: readonly NodeAttempt[]) {
  const values = rows.map((row) => ({ ...row, status: "queued" as const }));
  const attempts =
    nodeAttempts.length === 0
      ? sql``
      : sql`, attempts as (${db
          .insert(workflowRunTasks)
          .values([...nodeAttempts])
          .getSQL()})`;
  const inserted = await selectRows<Record<string, unknown>>(
    db,
    sql`
    with inserted as (${db.insert(tasks).values(values).returning().getSQL()}),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status', jsonb_build_object('status', status, 'worker_id', worker_id), created_at
      from inserted
    )${attempts}
    select * from inserted`,
  );
  const byId = new Map(inserted.map((raw) => [raw.task_id as string, asTaskRow(raw)]));
  return rows.map((row) => {
    const found = byId.get(row.task_id);
    if (!found) throw new Error(`insert tasks returned no row for ${row.task_id}`);
    return found;
  });
}
