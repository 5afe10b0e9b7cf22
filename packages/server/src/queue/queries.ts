// The queue is the tasks table. This file is its state machine; every transition is one guarded UPDATE.
//
//   pending ──(upstream done)──▶ queued ──claim──▶ assigned ──start──▶ running ──complete──▶ completed
//                                  ▲                  │                   │
//                                  │                  ├───────────────────┼──fail (retryable, attempts left)──┐
//                                  │                  ├───────────────────┼──lease expired (attempts left)────┤
//                                  └──────────────────┴── available_at = now + backoff ◀──────────────────────┘
//                                                     ├──fail (final) / lease expired (no attempts) ──▶ failed
//                                                     └──timeout_seconds passed while running ─────▶ timed_out
//   pending | queued | assigned | running ──cancel (user)──▶ cancelled
//   assigned | running ──the member's share of the worker ended──▶ queued at once (failed: no attempts left)
//
// Invariants:
// - claim: `WHERE status = 'queued' AND available_at <= now`, row locked FOR UPDATE SKIP LOCKED, so one
//   task goes to exactly one worker; it sets attempt + 1, a fresh `lease_token` and `lease_expires_at`.
// - start, progress, complete, fail: `WHERE status IN ('assigned', 'running') AND lease_token = <token>`:
//   the token is the fence, so a presumed-dead worker's late report changes nothing (409).
// - claim considers only users who own the worker or accepted a share of it (workers/membership.ts), and
//   records whose machine it is (worker_owner_user_id) beside worker_id.
// - re-queue clears worker_id (and its owner), lease_token and lease_expires_at: the old token can never
//   match again.
// - the reaper's UPDATEs carry the same guards, so any number of replicas may run it at once.
// Every transition appends a `status` row to task_events in the same statement or transaction.
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/store.ts";
import { asTaskRow, type TaskRow } from "../tasks/queries.ts";
import { actsAsWorker, mayRunTasksOn, runnersOf, uuidParam } from "../workers/membership.ts";
import { retryAvailableAtSql } from "./timing.ts";

const ts = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/** Raw statements: both drivers answer `{rows}`. */
async function rowsOf<T = Record<string, unknown>>(db: Db, statement: SQL): Promise<T[]> {
  const result = (await db.execute(statement)) as { rows: T[] };
  return result.rows;
}

/** Only credentials of a worker's (accepted) owner may act as that worker: it receives other users' prompts. */
const principalActsAs = (principalId: string, workerIdColumn: SQL) =>
  actsAsWorker(uuidParam(principalId), workerIdColumn);

/**
 * Wraps an `UPDATE tasks … RETURNING tasks.*` so the change and its event-log entry are one statement:
 * one round trip, and atomic without an explicit transaction.
 */
async function updateLogged(db: Db, update: SQL, reason: SQL = sql`null`): Promise<TaskRow[]> {
  const rows = await rowsOf(
    db,
    sql`
    with changed as (${update}),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status',
             jsonb_strip_nulls(jsonb_build_object('status', status, 'worker_id', worker_id, 'reason', ${reason}::text)),
             updated_at
      from changed
    )
    select * from changed`,
  );
  return rows.map(asTaskRow);
}

export interface ClaimInput {
  workerId: string;
  principalId: string;
  now: Date;
  leaseExpiresAt: Date;
  attemptToken: string;
  /** Claim this task only (the allocator chose this worker for it). */
  taskId?: string;
  /** Only tasks claimable since before this instant (the dispatcher's sweep leaves fresh ones to the allocator). */
  queuedBefore?: Date;
  /** The allocator's breakdown, stored with the assignment. */
  score?: unknown;
}

/**
 * Claims the best queued task this worker may run: the tool present and healthy (and the model, when
 * the tool lists models), every required label, enough capacity, the task's user allowed to run on the
 * worker, pinned tasks only to their worker; highest priority first, then the user holding the fewest
 * tasks (fair share), then the longest waiting.
 * Nothing when the worker is draining or has no free slot.
 */
export async function claimTask(db: Db, input: ClaimInput): Promise<TaskRow | undefined> {
  const { workerId, now } = input;
  const [row] = await updateLogged(
    db,
    sql`
    with w as materialized (
      select w.labels, w.capacity,
        -- {tool name: models} of the healthy tools; an empty list means the tool takes any model.
        (select coalesce(jsonb_object_agg(offered.entry->>'name', coalesce(offered.entry->'models', '[]'::jsonb)), '{}'::jsonb)
         from jsonb_array_elements(w.tools) as offered(entry)
         where coalesce((offered.entry->>'healthy')::boolean, true)) as models_by_tool,
        -- Only users who own the worker or accepted a share of it: an offer runs nothing.
        array(${runnersOf(sql`w.worker_id`)}) as user_ids, w.owner_user_id
      from workers w
      where w.worker_id = ${workerId}::uuid and not w.draining
        and ${principalActsAs(input.principalId, sql`w.worker_id`)}
        and (select count(*) from tasks h where h.worker_id = w.worker_id and h.status in ('assigned', 'running')) < w.slots
    ),
    -- Fair share: each user allowed on the worker offers their best eligible task (one short walk of
    -- tasks_queue_user_idx per user; the worker's fields are read once from the materialized row), then
    -- the highest priority wins and, among equals, the user holding the fewest tasks right now — so one
    -- user's 10 000 queued tasks cannot starve another's one. Each offer is locked SKIP LOCKED, so
    -- concurrent claimers move on to the next task instead of waiting.
    offers as (
      select c.task_id, c.priority, c.available_at, c.created_at,
        (select count(*) from tasks h where h.user_id = u.user_id and h.status in ('assigned', 'running')) as held
      from unnest((select user_ids from w)::uuid[]) as u(user_id)
      cross join lateral (
        select t.task_id, t.priority, t.available_at, t.created_at from tasks t
        where exists (select 1 from w)
          and t.user_id = u.user_id
          and t.status = 'queued' and t.available_at <= ${ts(input.queuedBefore ?? now)}
          and ${input.taskId ? sql`t.task_id = ${input.taskId}::uuid` : sql`true`}
          and (t.pinned_worker_id is null or t.pinned_worker_id = ${workerId}::uuid)
          and (select models_by_tool from w)->t.tool is not null
          and (t.model is null
               or jsonb_array_length((select models_by_tool from w)->t.tool) = 0
               or (select models_by_tool from w)->t.tool @> to_jsonb(t.model))
          and (select labels from w) @> coalesce(t.requirements->'labels', '[]'::jsonb)
          and (t.requirements->'min_cpu_cores' is null
               or ((select capacity from w)->>'cpu_cores')::numeric >= (t.requirements->>'min_cpu_cores')::numeric)
          and (t.requirements->'min_memory_gb' is null
               or ((select capacity from w)->>'memory_gb')::numeric >= (t.requirements->>'min_memory_gb')::numeric)
        -- Exactly tasks_queue_user_idx's order (drizzle writes DESC NULLS LAST), or the planner sorts.
        order by t.priority desc nulls last, t.available_at, t.created_at
        limit 1
        for update of t skip locked
      ) c
    ),
    candidate as (
      select task_id from offers
      order by priority desc, held, available_at, created_at
      limit 1
    )
    update tasks set
      status = 'assigned', worker_id = ${workerId}::uuid, worker_owner_user_id = (select owner_user_id from w),
      attempt = tasks.attempt + 1,
      lease_token = ${input.attemptToken}::uuid, lease_expires_at = ${ts(input.leaseExpiresAt)},
      progress = 0, updated_at = ${ts(now)},
      score = ${input.score === undefined ? null : JSON.stringify(input.score)}::jsonb
    from candidate
    where tasks.task_id = candidate.task_id and tasks.status = 'queued'
    returning tasks.*`,
  );
  return row;
}

export interface FencedInput {
  taskId: string;
  attemptToken: string;
  principalId: string;
  now: Date;
}

// The task's user must still let the worker run their tasks: a claim racing the end of a share (it read the
// membership just before it went) can hand the worker a task, but never lets it start or report on one.
const fenced = (input: FencedInput) => sql`
  tasks.task_id = ${input.taskId}::uuid and tasks.lease_token = ${input.attemptToken}::uuid
  and tasks.status in ('assigned', 'running') and ${principalActsAs(input.principalId, sql`tasks.worker_id`)}
  and ${mayRunTasksOn(sql`tasks.user_id`, sql`tasks.worker_id`)}`;

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
          progress = 100, lease_expires_at = null, completed_at = ${ts(input.now)}, updated_at = ${ts(input.now)}
        where ${fenced(input)} returning tasks.*`,
  );
  return row;
}

/** Back to the queue after a backoff while attempts remain and a retry can help; otherwise failed. */
export async function failAttempt(
  db: Db,
  input: FencedInput & { error: string; retryable: boolean },
): Promise<TaskRow | undefined> {
  const retry = sql`(${input.retryable} and tasks.attempt < tasks.max_attempts)`;
  const [row] = await updateLogged(
    db,
    sql`update tasks set
          status = case when ${retry} then 'queued' else 'failed' end,
          available_at = case when ${retry} then ${retryAvailableAtSql(input.now)} else tasks.available_at end,
          worker_id = case when ${retry} then null else tasks.worker_id end,
          worker_owner_user_id = case when ${retry} then null else tasks.worker_owner_user_id end,
          lease_token = case when ${retry} then null else tasks.lease_token end,
          completed_at = case when ${retry} then null else ${ts(input.now)} end,
          lease_expires_at = null, error = ${input.error}, failure_retryable = ${input.retryable},
          updated_at = ${ts(input.now)}
        where ${fenced(input)} returning tasks.*`,
    sql`${input.error}`,
  );
  return row;
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
    sql`update tasks set status = 'queued', attempt = tasks.attempt - 1, worker_id = null,
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
  const requeue = sql`(tasks.status = 'assigned' or tasks.attempt < tasks.max_attempts)`;
  return updateLogged(
    db,
    sql`update tasks set
          status = case when ${requeue} then 'queued' else 'failed' end,
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

/** Lease expiry: re-queue with backoff while attempts remain, else fail. Returns rows with the lost worker. */
export async function expireLeases(
  db: Db,
  now: Date,
  limit: number,
): Promise<Array<TaskRow & { lost_worker_id: string | null }>> {
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
        status = case when tasks.attempt < tasks.max_attempts then 'queued' else 'failed' end,
        available_at = case when tasks.attempt < tasks.max_attempts then ${retryAvailableAtSql(now)} else tasks.available_at end,
        completed_at = case when tasks.attempt < tasks.max_attempts then null else ${ts(now)} end,
        error = 'lease expired: the worker stopped reporting', worker_id = null, worker_owner_user_id = null,
        lease_token = null,
        lease_expires_at = null, updated_at = ${ts(now)}
      from expired
      where tasks.task_id = expired.task_id and tasks.status in ('assigned', 'running')
        and tasks.lease_expires_at <= ${ts(now)}
      returning tasks.*, expired.lost_worker_id
    ),
    logged as (
      insert into task_events (task_id, attempt, kind, data, created_at)
      select task_id, attempt, 'status',
             jsonb_build_object('status', status, 'worker_id', lost_worker_id, 'reason', 'lease expired'), updated_at
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
