// The pieces every task transition is built from: the held-status set, the logged UPDATE, the attempt
// fence and the owner-acts-as-worker guard. Written once here so the statements cannot drift apart.
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { type Db, selectRows } from "../db/store.ts";
import { asTaskRow, type TaskRow } from "../tasks/queries.ts";
import { actsAsWorker, mayRunTasksOn, uuidParam } from "../workers/membership.ts";
import { HELD_STATUSES } from "./task-machine.ts";

/**
 * `('assigned', 'running')` as a literal, not parameters: the partial indexes on held tasks
 * (tasks_lease_idx, tasks_held_worker_idx, tasks_held_user_idx) match only a predicate written out.
 */
export const HELD: SQL = sql.raw(`(${HELD_STATUSES.map((status) => `'${status}'`).join(", ")})`);

const dialect = new PgDialect();

/**
 * A raw statement prepared under `name` on PostgreSQL: parsed and planned once per connection
 * (bench/prepared.ts: 2–3× less time per statement). Only for a statement whose text never changes, as the
 * name stands for the text. PGlite ignores the name.
 */
export async function preparedRows<T = Record<string, unknown>>(db: Db, statement: SQL, name: string): Promise<T[]> {
  const prepared = db._.session.prepareQuery(dialect.sqlToQuery(statement), undefined, name, false);
  return ((await prepared.execute()) as { rows: T[] }).rows;
}

/** Only credentials of a worker's (accepted) owner may act as that worker: it receives other users' prompts. */
export const principalActsAs = (principalId: string, workerIdColumn: SQL) =>
  actsAsWorker(uuidParam(principalId), workerIdColumn);

/**
 * Wraps an `UPDATE tasks … RETURNING tasks.*` so the change and its event-log entry are one statement:
 * one round trip, and atomic without an explicit transaction. `extra`: more fields of the event (a jsonb
 * object, e.g. the attempt's agent session).
 */
export async function updateLogged(
  db: Db,
  update: SQL,
  reason: SQL = sql`null`,
  extra: SQL = sql`'{}'::jsonb`,
  /** A prepared statement's name (preparedRows). */
  name?: string,
): Promise<TaskRow[]> {
  const statement = sql`
    with changed as (${update}),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status',
             jsonb_strip_nulls(jsonb_build_object('status', status, 'worker_id', worker_id, 'reason', ${reason}::text)
               || ${extra}),
             updated_at
      from changed
    )
    select * from changed`;
  const rows =
    name === undefined
      ? await selectRows<Record<string, unknown>>(db, statement)
      : await preparedRows<Record<string, unknown>>(db, statement, name);
  return rows.map(asTaskRow);
}

export interface FencedInput {
  taskId: string;
  attemptToken: string;
  principalId: string;
  now: Date;
}

// The task's user must still let the worker run their tasks: a claim racing the end of a share (it read the
// membership just before it went) can hand the worker a task, but never lets it start or report on one.
export const fenced = (input: FencedInput) => sql`
  tasks.task_id = ${input.taskId}::uuid and tasks.lease_token = ${input.attemptToken}::uuid
  and tasks.status in ${HELD} and ${principalActsAs(input.principalId, sql`tasks.worker_id`)}
  and ${mayRunTasksOn(sql`tasks.user_id`, sql`tasks.worker_id`)}`;

/** Attempts that count against `max_attempts`: those that did not end on a usage limit or a store outage. */
export const attemptsUsed = sql`(tasks.attempt - tasks.limited_attempts - tasks.excused_attempts)`;
