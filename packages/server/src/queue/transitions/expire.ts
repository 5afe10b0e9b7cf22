// The reaper's transitions (task-machine.ts): a lease that ran out re-queues or fails its task, a task
// running past its timeout is timed out. Rows are claimed SKIP LOCKED, so replicas may run them at once.
import { sql } from "drizzle-orm";
import { type Db, selectRows, ts, uuidArray } from "../../db/store.ts";
import { asTaskRow, type TaskRow } from "../../tasks/queries.ts";
import { attemptsUsed, HELD, updateLogged } from "../statements.ts";
import { retryAvailableAtSql } from "../timing.ts";

/**
 * Lease expiry: re-queue with backoff while attempts remain, else fail. Returns rows with the lost worker.
 * A lease of `excusedTaskIds` (held across a store outage, queue/reaper.ts) ran out because nobody could
 * report: it is re-queued at once and the attempt does not count (excused_attempts), whatever is left.
 */
export async function expireLeases(
  db: Db,
  now: Date,
  limit: number,
  excusedTaskIds: readonly string[] = [],
): Promise<Array<TaskRow & { lost_worker_id: string | null }>> {
  const excused = sql`(tasks.task_id = any(${uuidArray(excusedTaskIds)}))`;
  const retry = sql`(${excused} or ${attemptsUsed} < tasks.max_attempts)`;
  const rows = await selectRows<Record<string, unknown>>(
    db,
    sql`
    with expired as (
      select task_id, worker_id as lost_worker_id from tasks
      where status in ${HELD} and lease_expires_at <= ${ts(now)}
      order by lease_expires_at
      limit ${limit}
      for update skip locked
    ),
    changed as (
      update tasks set
        status = case when ${retry} then 'queued' else 'failed' end,
        tool = case when ${retry} then tasks.tools->>0 else tasks.tool end,
        available_at = case when ${excused} then ${ts(now)}
                            when ${retry} then ${retryAvailableAtSql(now)} else tasks.available_at end,
        completed_at = case when ${retry} then null else ${ts(now)} end,
        excused_attempts = tasks.excused_attempts + case when ${excused} then 1 else 0 end,
        error = case when ${excused} then 'lease expired after a store outage (not counted as an attempt)'
                     else 'lease expired: the worker stopped reporting' end,
        worker_id = null, worker_owner_user_id = null,
        lease_token = null, parked = null, resume = null,
        lease_expires_at = null, updated_at = ${ts(now)}
      from expired
      where tasks.task_id = expired.task_id and tasks.status in ${HELD}
        and tasks.lease_expires_at <= ${ts(now)}
      returning tasks.*, expired.lost_worker_id, ${excused} as excused
    ),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status',
             jsonb_build_object('status', status, 'worker_id', lost_worker_id, 'reason',
               case when excused then 'lease expired after a store outage' else 'lease expired' end), updated_at
      from changed
    )
    select * from changed`,
  );
  return rows.map((raw) => ({
    ...asTaskRow(raw),
    lost_worker_id: (raw.lost_worker_id as string | null) ?? null,
  }));
}

/** A running task past its timeout (plus grace for the worker to report it) is timed out, not retried. */
export async function timeOutOverdueTasks(db: Db, now: Date, graceSeconds: number, limit: number): Promise<TaskRow[]> {
  return updateLogged(
    db,
    sql`
    with overdue as (
      select task_id from tasks
      where status = 'running'
        and started_at + (timeout_seconds + ${graceSeconds}) * interval '1 second' <= ${ts(now)}
      limit ${limit}
      for update skip locked
    )
    update tasks set status = 'timed_out', error = 'timed out after ' || tasks.timeout_seconds || ' s',
      lease_expires_at = null, completed_at = ${ts(now)}, updated_at = ${ts(now)}
    from overdue where tasks.task_id = overdue.task_id and tasks.status = 'running'
    returning tasks.*`,
    sql`'timeout'`,
  );
}
