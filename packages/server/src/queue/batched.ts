// Start, complete and fail for many attempts in one statement each (group-commit.ts gathers them): the
// same transitions, the same event-log entries and the same fence as the one-row statements in
// transitions/report.ts, row by row. The reports travel as one jsonb array (`jsonb_to_recordset`), so the statement's
// text is the same whatever the batch size, and PostgreSQL keeps it prepared (a named statement per
// connection: parsed and planned once, see statements.ts preparedRows). A batch holds one report per task (group-commit.ts), so each
// returned row answers exactly one report; a report without a row was fenced out and changed nothing.
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/store.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { actsAsWorker, mayRunTasksOn } from "../workers/membership.ts";
import { attemptsUsed, type FencedInput, HELD, updateLogged } from "./statements.ts";
import { retryAvailableAtSql } from "./timing.ts";

/**
 * The reports as rows `v`: the fence's columns, then `fields` (name and SQL type). In task order, so the
 * rows are locked in the same order as writeScores locks them (transitions/claim.ts): two statements that
 * lock the same tasks in opposite orders deadlock.
 */
function reportsAs(inputs: Array<Record<string, unknown> & { task_id: string }>, fields: string): SQL {
  const ordered = [...inputs].sort((a, b) => (a.task_id < b.task_id ? -1 : a.task_id > b.task_id ? 1 : 0));
  return sql`jsonb_to_recordset(${JSON.stringify(ordered)}::jsonb)
    as v(task_id uuid, lease_token uuid, principal_id uuid, now timestamptz, ${sql.raw(fields)})`;
}

const fencedRow = (input: FencedInput) => ({
  task_id: input.taskId,
  lease_token: input.attemptToken,
  principal_id: input.principalId,
  now: input.now.toISOString(),
});

/** `fenced()` of statements.ts, against each report's own task, token and principal. */
const fencedByReport = sql`
  tasks.task_id = v.task_id and tasks.lease_token = v.lease_token
  and tasks.status in ${HELD} and ${actsAsWorker(sql`v.principal_id`, sql`tasks.worker_id`)}
  and ${mayRunTasksOn(sql`tasks.user_id`, sql`tasks.worker_id`)}`;

function answering<T extends FencedInput>(inputs: T[], rows: TaskRow[]): Array<TaskRow | undefined> {
  const byTask = new Map(rows.map((row) => [row.task_id, row]));
  return inputs.map((input) => byTask.get(input.taskId));
}

/** startAttempt of transitions/report.ts for each report. */
export async function startAttempts(
  db: Db,
  inputs: Array<FencedInput & { leaseExpiresAt: Date }>,
): Promise<Array<TaskRow | undefined>> {
  const reports = inputs.map((input) => ({
    ...fencedRow(input),
    lease_expires_at: input.leaseExpiresAt.toISOString(),
  }));
  const rows = await updateLogged(
    db,
    sql`update tasks set status = 'running', started_at = coalesce(tasks.started_at, v.now),
          lease_expires_at = v.lease_expires_at, updated_at = v.now
        from ${reportsAs(reports, "lease_expires_at timestamptz")}
        where ${fencedByReport} returning tasks.*`,
    undefined,
    undefined,
    "gs_start_attempts",
  );
  return answering(inputs, rows);
}

/** completeAttempt of transitions/report.ts for each report. */
export async function completeAttempts(
  db: Db,
  inputs: Array<FencedInput & { result: unknown }>,
): Promise<Array<TaskRow | undefined>> {
  // The result as JSON text, cast like the one-row statement does: a null result stays a jsonb null.
  const reports = inputs.map((input) => ({ ...fencedRow(input), result: JSON.stringify(input.result) }));
  const rows = await updateLogged(
    db,
    sql`update tasks set status = 'completed', result = v.result::jsonb, error = null, parked = null, resume = null,
          progress = 100, lease_expires_at = null, completed_at = v.now, updated_at = v.now
        from ${reportsAs(reports, "result text")}
        where ${fencedByReport} returning tasks.*`,
    undefined,
    undefined,
    "gs_complete_attempts",
  );
  return answering(inputs, rows);
}

/** failAttempt of transitions/report.ts for each report. */
export async function failAttempts(
  db: Db,
  inputs: Array<FencedInput & { error: string; retryable: boolean; sessionId?: string | undefined }>,
): Promise<Array<TaskRow | undefined>> {
  const reports = inputs.map((input) => ({
    ...fencedRow(input),
    error: input.error,
    retryable: input.retryable,
    session_id: input.sessionId ?? null,
  }));
  const retry = sql`(v.retryable and ${attemptsUsed} < tasks.max_attempts)`;
  const rows = await updateLogged(
    db,
    sql`update tasks set
          status = case when ${retry} then 'queued' else 'failed' end,
          tool = case when ${retry} then tasks.tools->>0 else tasks.tool end,
          available_at = case when ${retry} then ${retryAvailableAtSql(sql`v.now`)} else tasks.available_at end,
          worker_id = case when ${retry} then null else tasks.worker_id end,
          worker_owner_user_id = case when ${retry} then null else tasks.worker_owner_user_id end,
          lease_token = case when ${retry} then null else tasks.lease_token end,
          completed_at = case when ${retry} then null else v.now end,
          lease_expires_at = null, error = v.error, failure_retryable = v.retryable,
          parked = null, resume = null, updated_at = v.now
        from ${reportsAs(reports, "error text, retryable boolean, session_id text")}
        where ${fencedByReport} returning tasks.*, v.session_id as reported_session_id`,
    sql`error`,
    sql`jsonb_build_object('session_id', reported_session_id)`,
    "gs_fail_attempts",
  );
  const withSession = rows as Array<TaskRow & { reported_session_id?: unknown }>;
  return answering(
    inputs,
    withSession.map(({ reported_session_id: _session, ...row }) => row),
  );
}
