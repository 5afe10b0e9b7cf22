// The queue is the tasks table. This file is its state machine; every transition is one guarded UPDATE.
// (The claim, the biggest statement, is in claim.ts.)
//
//   pending ──(upstream done)──▶ queued ──claim──▶ assigned ──start──▶ running ──complete──▶ completed
//                                  ▲ ▲                │                   │
//                                  │ │                ├───────────────────┼──fail (retryable, attempts left)──┐
//                                  │ │                ├───────────────────┼──lease expired (attempts left)────┤
//                                  │ └────────────────┴── available_at = now + backoff ◀──────────────────────┘
//                                  │                  ├───────────────────┼──park (the tool hit a usage limit)─┐
//                                  └──────────────────┴── available_at = the reset (wait) or now (failover) ◀─┘
//                                                     ├──fail (final) / lease expired (no attempts) ──▶ failed
//                                                     └──timeout_seconds passed while running ─────▶ timed_out
//   pending | queued | assigned | running ──cancel (user)──▶ cancelled
//   assigned | running ──the member's share of the worker ended──▶ queued at once (failed: no attempts left)
//   assigned | running ──a lease held across a store outage ran out──▶ queued at once, the attempt not counted
//
// Invariants:
// - claim: `WHERE status = 'queued' AND available_at <= now`, row locked FOR UPDATE SKIP LOCKED, so one
//   task goes to exactly one worker; it sets attempt + 1, a fresh `lease_token` and `lease_expires_at`, and
//   `tool` to the first of the task's `tools` the worker can run now (allocator/tool-choice.ts).
// - start, progress, complete, fail, park: `WHERE status IN ('assigned', 'running') AND lease_token = <token>`:
//   the token is the fence, so a presumed-dead worker's late report changes nothing (409).
// - attempts used = attempt - limited_attempts - excused_attempts: a park adds 1 to limited_attempts, and a
//   lease held across a store outage that runs out adds 1 to excused_attempts, so neither counts against
//   max_attempts, while attempt numbers stay unique.
// - park marks the worker's tool limited (workers.tools[].limited_until, the later of the old and the new)
//   in the same statement, so no claim can pick that tool there before the reset; it stores `resume` (the
//   worker, the tool and the agent session) only when the worker reported a session.
// - a failure or a lost lease clears `parked` and `resume`: the retry starts a fresh session.
// - claim considers only users who own the worker or accepted a share of it (workers/membership.ts), and
//   records whose machine it is (worker_owner_user_id) beside worker_id.
// - re-queue clears worker_id (and its owner), lease_token and lease_expires_at: the old token can never
//   match again; `tool` goes back to the first of `tools` (the next claim chooses again).
// - the reaper's UPDATEs carry the same guards, so any number of replicas may run it at once.
// Every transition appends a `status` row to task_events in the same statement or transaction.
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/store.ts";
import { asTaskRow, type TaskRow } from "../tasks/queries.ts";
import { mayRunTasksOn } from "../workers/membership.ts";
import { attemptsUsed, type FencedInput, fenced, principalActsAs, rowsOf, ts, updateLogged } from "./statements.ts";
import { retryAvailableAtSql } from "./timing.ts";

/** assigned → running (idempotent for a running one); renews the lease. */
export async function startAttempt(
  db: Db,
  input: FencedInput & { leaseExpiresAt: Date },
): Promise<TaskRow | undefined> {
  const [row] = await updateLogged(
    db,
    sql`update tasks set status = 'running', started_at = coalesce(tasks.started_at, ${ts(input.now)}),
          lease_expires_at = ${ts(input.leaseExpiresAt)}, updated_at = ${ts(input.now)}
        where ${fenced(input)} returning tasks.*`,
  );
  return row;
}

/** Progress renews the lease; it is not a status change, so it logs a `progress` event instead. */
export async function recordProgress(
  db: Db,
  input: FencedInput & { leaseExpiresAt: Date; progress: number; message?: string | undefined },
): Promise<TaskRow | undefined> {
  const rows = await rowsOf(
    db,
    sql`
    with changed as (
      update tasks set progress = ${input.progress}, lease_expires_at = ${ts(input.leaseExpiresAt)},
        updated_at = ${ts(input.now)}
      where ${fenced(input)} returning tasks.*
    ),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'progress',
             jsonb_strip_nulls(jsonb_build_object('progress', progress, 'message', ${input.message ?? null}::text)),
             updated_at
      from changed
    )
    select * from changed`,
  );
  return rows.map(asTaskRow)[0];
}

export async function completeAttempt(db: Db, input: FencedInput & { result: unknown }): Promise<TaskRow | undefined> {
  const [row] = await updateLogged(
    db,
    sql`update tasks set status = 'completed', result = ${JSON.stringify(input.result)}::jsonb, error = null,
          parked = null, resume = null,
          progress = 100, lease_expires_at = null, completed_at = ${ts(input.now)}, updated_at = ${ts(input.now)}
        where ${fenced(input)} returning tasks.*`,
  );
  return row;
}

/** Back to the queue after a backoff while attempts remain and a retry can help; otherwise failed. */
export async function failAttempt(
  db: Db,
  input: FencedInput & { error: string; retryable: boolean; sessionId?: string | undefined },
): Promise<TaskRow | undefined> {
  const retry = sql`(${input.retryable} and ${attemptsUsed} < tasks.max_attempts)`;
  const [row] = await updateLogged(
    db,
    sql`update tasks set
          status = case when ${retry} then 'queued' else 'failed' end,
          tool = case when ${retry} then tasks.tools->>0 else tasks.tool end,
          available_at = case when ${retry} then ${retryAvailableAtSql(input.now)} else tasks.available_at end,
          worker_id = case when ${retry} then null else tasks.worker_id end,
          worker_owner_user_id = case when ${retry} then null else tasks.worker_owner_user_id end,
          lease_token = case when ${retry} then null else tasks.lease_token end,
          completed_at = case when ${retry} then null else ${ts(input.now)} end,
          lease_expires_at = null, error = ${input.error}, failure_retryable = ${input.retryable},
          parked = null, resume = null, updated_at = ${ts(input.now)}
        where ${fenced(input)} returning tasks.*`,
    sql`${input.error}`,
    sql`jsonb_build_object('session_id', ${input.sessionId ?? null}::text)`,
  );
  return row;
}

export interface ParkInput extends FencedInput {
  /** The limit as the worker reported it (`message` is also the task's error). */
  limit: { kind: string; message: string };
  /** Until when the worker's tool is limited: the reported reset, clamped (queue/timing.ts). */
  limitedUntil: Date;
  /** When a waiting (`on_limit: wait`) task may be claimed again: the reset plus a little jitter. */
  waitUntil: Date;
  sessionId?: string | undefined;
  /** A task parked this often already is failed like any attempt instead (a worker that always says "limit"). */
  maxParks: number;
}

/**
 * The tool hit a usage limit: the task goes back to the queue without using an attempt, not before the
 * reset (`wait`) or at once to another tool or worker (`failover`); the worker's tool is marked limited
 * until the reset in the same statement. Undefined when the fence refused the report, or when the task
 * was parked `maxParks` times already (the caller then fails the attempt instead).
 */
export async function parkAttempt(db: Db, input: ParkInput): Promise<TaskRow | undefined> {
  const until = input.limitedUntil.toISOString();
  const message = `${input.limit.kind.replace("_", " ")}: ${input.limit.message}`;
  const rows = await rowsOf(
    db,
    sql`
    with held as (
      select tasks.task_id, tasks.worker_id, tasks.tool from tasks
      where ${fenced(input)} and tasks.limited_attempts < ${input.maxParks}
      for update
    ),
    changed as (
      update tasks set status = 'queued', tool = tasks.tools->>0, worker_id = null, worker_owner_user_id = null,
        lease_token = null, lease_expires_at = null, progress = 0, limited_attempts = tasks.limited_attempts + 1,
        available_at = case when tasks.on_limit = 'failover' then ${ts(input.now)} else ${ts(input.waitUntil)} end,
        parked = jsonb_build_object('worker_id', held.worker_id, 'tool', held.tool, 'kind', ${input.limit.kind}::text,
                                    'message', ${input.limit.message}::text, 'until', ${until}::text),
        resume = case when ${input.sessionId ?? null}::text is null then null
                      else jsonb_build_object('worker_id', held.worker_id, 'tool', held.tool,
                                              'session_id', ${input.sessionId ?? null}::text) end,
        error = ${message}, updated_at = ${ts(input.now)}
      from held where tasks.task_id = held.task_id
      returning tasks.*
    ),
    limited as (
      update workers set tools = ${markToolLimited(sql`workers.tools`, sql`held.tool`, until, input.limit.message)},
        updated_at = ${ts(input.now)}
      from held where workers.worker_id = held.worker_id
    ),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select changed.task_id, changed.attempt, 'status',
             jsonb_strip_nulls(jsonb_build_object('status', changed.status, 'worker_id', held.worker_id,
               'reason', ${message}::text, 'tool', held.tool, 'session_id', ${input.sessionId ?? null}::text,
               'limit', jsonb_build_object('kind', ${input.limit.kind}::text, 'until', ${until}::text),
               'on_limit', changed.on_limit)),
             changed.updated_at
      from changed join held on held.task_id = changed.task_id
    )
    select * from changed`,
  );
  return rows.map(asTaskRow)[0];
}

/**
 * `tools` with `tool` limited until `until` (ISO text) — unless it is limited until later already, which
 * stands: a weekly limit is not shortened by a 5-hour one.
 */
function markToolLimited(tools: SQL, tool: SQL, until: string, message: string): SQL {
  return sql`(
    select coalesce(jsonb_agg(
      case when offered.entry->>'name' = ${tool}
                and not coalesce((offered.entry->>'limited_until')::timestamptz > ${until}::timestamptz, false)
           then offered.entry || jsonb_build_object('limited_until', ${until}::text, 'limit_message', ${message}::text)
           else offered.entry end
      order by offered.position), '[]'::jsonb)
    from jsonb_array_elements(${tools}) with ordinality as offered(entry, position))`;
}

/** What a fenced report found instead, to tell "not yours" (404) from "no longer current" (409). */
export async function findForFencedReport(
  db: Db,
  taskId: string,
  principalId: string,
): Promise<{ status: string; lease_token: string | null; visible: boolean; shared: boolean } | undefined> {
  const rows = await rowsOf(
    db,
    sql`
    select t.status, t.lease_token, ${mayRunTasksOn(sql`t.user_id`, sql`t.worker_id`)} as shared,
      (t.user_id = ${principalId}::uuid or exists (
         select 1 from task_events e
         where e.task_id = t.task_id and e.kind = 'status' and e.data->>'status' = 'assigned'
           and ${principalActsAs(principalId, sql`(e.data->>'worker_id')::uuid`)})) as visible
    from tasks t where t.task_id = ${taskId}::uuid`,
  );
  return rows[0] as { status: string; lease_token: string | null; visible: boolean; shared: boolean } | undefined;
}

/** A worker's hello: renews the leases of the tasks it says it runs and still holds. */
export async function renewLeases(db: Db, workerId: string, taskIds: string[], leaseExpiresAt: Date): Promise<void> {
  if (taskIds.length === 0) return;
  await db.execute(sql`
    update tasks set lease_expires_at = ${ts(leaseExpiresAt)}
    where task_id = any(${`{${taskIds.join(",")}}`}::uuid[]) and worker_id = ${workerId}::uuid
      and status in ('assigned', 'running')`);
}

/**
 * At a worker's hello: the tasks pushed to it that it never accepted and does not hold — the offer was
 * lost with a session that closed. Running tasks it does not list keep their lease: their results may
 * still come from the worker's outbox.
 */
export function releaseUndeliveredOffers(db: Db, workerId: string, heldTaskIds: string[], now: Date) {
  return requeueOffers(
    db,
    sql`worker_id = ${workerId}::uuid and not task_id = any(${`{${heldTaskIds.join(",")}}`}::uuid[])`,
    now,
    "offer lost: the worker reconnected without it",
  );
}

/** The offer of this attempt was neither accepted nor rejected in time. */
export function takeBackOffer(db: Db, taskId: string, attemptToken: string, now: Date, reason: string) {
  return requeueOffers(db, sql`task_id = ${taskId}::uuid and lease_token = ${attemptToken}::uuid`, now, reason);
}

/**
 * Offers (assigned, not yet accepted) back to the queue at once. An offer is not an attempt: the count
 * goes back, and the next claim hands out a fresh token that fences this one off.
 */
async function requeueOffers(db: Db, which: SQL, now: Date, reason: string): Promise<TaskRow[]> {
  return updateLogged(
    db,
    sql`update tasks set status = 'queued', tool = tasks.tools->>0, attempt = tasks.attempt - 1, worker_id = null,
          worker_owner_user_id = null, lease_token = null,
          lease_expires_at = null, available_at = ${ts(now)}, updated_at = ${ts(now)}
        where status = 'assigned' and ${which}
        returning tasks.*`,
    sql`${reason}`,
  );
}

/**
 * A share ended (or no longer lets the member run tasks): the member's tasks this worker holds go back to
 * the queue at once, fenced off from the worker (their token is cleared, so its reports change nothing).
 * One not yet started gets its attempt back, like an unanswered offer; a started one keeps the attempt it
 * used and fails when it has none left, as after a lost lease, but without the backoff.
 */
export function handBackTasksOfMember(
  db: Db,
  workerId: string,
  memberId: string,
  now: Date,
  reason: string,
): Promise<TaskRow[]> {
  const requeue = sql`(tasks.status = 'assigned' or ${attemptsUsed} < tasks.max_attempts)`;
  return updateLogged(
    db,
    sql`update tasks set
          status = case when ${requeue} then 'queued' else 'failed' end,
          tool = case when ${requeue} then tasks.tools->>0 else tasks.tool end,
          attempt = case when tasks.status = 'assigned' then tasks.attempt - 1 else tasks.attempt end,
          worker_id = case when ${requeue} then null else tasks.worker_id end,
          worker_owner_user_id = case when ${requeue} then null else tasks.worker_owner_user_id end,
          available_at = case when ${requeue} then ${ts(now)} else tasks.available_at end,
          completed_at = case when ${requeue} then null else ${ts(now)} end,
          lease_token = null, lease_expires_at = null, error = ${reason}, updated_at = ${ts(now)}
        where worker_id = ${workerId}::uuid and user_id = ${memberId}::uuid and status in ('assigned', 'running')
        returning tasks.*`,
    sql`${reason}`,
  );
}

/** Of the reported tasks, those the worker must stop: not held by it any more (cancelled, re-queued, gone). */
export async function findTasksToStop(db: Db, workerId: string, taskIds: string[]): Promise<string[]> {
  if (taskIds.length === 0) return [];
  const rows = await rowsOf(
    db,
    sql`
    select id::text as task_id from unnest(${`{${taskIds.join(",")}}`}::uuid[]) as id
    where not exists (
      select 1 from tasks t where t.task_id = id and t.worker_id = ${workerId}::uuid
        and t.status in ('assigned', 'running'))`,
  );
  return (rows as Array<{ task_id: string }>).map((row) => row.task_id);
}

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
  const excused = sql`(tasks.task_id = any(${`{${excusedTaskIds.join(",")}}`}::uuid[]))`;
  const retry = sql`(${excused} or ${attemptsUsed} < tasks.max_attempts)`;
  const rows = await rowsOf(
    db,
    sql`
    with expired as (
      select task_id, worker_id as lost_worker_id from tasks
      where status in ('assigned', 'running') and lease_expires_at <= ${ts(now)}
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
      where tasks.task_id = expired.task_id and tasks.status in ('assigned', 'running')
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

/** Workers silent since `cutoff` go offline; the leases they hold expire now, for the next step to re-queue. */
export async function markSilentWorkersOffline(
  db: Db,
  cutoff: Date,
  now: Date,
): Promise<Array<{ worker_id: string; owner_user_id: string; draining: boolean }>> {
  const rows = await rowsOf(
    db,
    sql`
    with gone as (
      update workers set status = 'offline', updated_at = ${ts(now)}
      where status <> 'offline' and coalesce(last_heartbeat_at, created_at) < ${ts(cutoff)}
      returning worker_id, owner_user_id, draining
    ),
    expired as (
      update tasks set lease_expires_at = ${ts(now)}
      from gone where tasks.worker_id = gone.worker_id and tasks.status in ('assigned', 'running')
    )
    select * from gone`,
  );
  return rows as unknown as Array<{ worker_id: string; owner_user_id: string; draining: boolean }>;
}

/** The worker is going away: its leases end now, and the reaper re-queues its tasks on its next pass. */
export async function expireLeasesOfWorker(db: Db, workerId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update tasks set lease_expires_at = ${ts(now)}
    where worker_id = ${workerId}::uuid and status in ('assigned', 'running')`);
}
