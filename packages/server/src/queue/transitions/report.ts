// The worker's reports on an attempt: start, progress, complete, fail, park (task-machine.ts). Each is fenced
// by the attempt's lease token, so a report from an attempt that is no longer current changes nothing.
import type { TaskResult } from "@garageswarm/protocol";
import { type SQL, sql } from "drizzle-orm";
import { taskPatches } from "../../db/schema.ts";
import { type Db, selectRows, ts } from "../../db/store.ts";
import { asTaskRow, type TaskRow } from "../../tasks/queries.ts";
import { attemptsUsed, type FencedInput, fenced, updateLogged } from "../statements.ts";
import { retryAvailableAtSql } from "../timing.ts";

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
  const rows = await selectRows<Record<string, unknown>>(
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

/**
 * completeAttempt for a code task's report: the patch goes to task_patches in the same transaction, so a
 * completed code task always has its patch. A task without a repository keeps no code result (a worker
 * that sends one for a plain task is not believed).
 */
export async function completeCodeAttempt(
  db: Db,
  input: FencedInput & { result: TaskResult; patch: { text: string; bytes: number; sha256: string } | null },
): Promise<TaskRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await updateLogged(
      tx,
      sql`update tasks set status = 'completed',
            result = case when tasks.repo is null then ${JSON.stringify(input.result)}::jsonb - 'code'
                          else ${JSON.stringify(input.result)}::jsonb end,
            error = null, parked = null, resume = null,
            progress = 100, lease_expires_at = null, completed_at = ${ts(input.now)}, updated_at = ${ts(input.now)}
          where ${fenced(input)} returning tasks.*`,
    );
    if (row?.repo && input.patch) {
      await tx.insert(taskPatches).values({
        task_id: row.task_id,
        patch: input.patch.text,
        bytes: input.patch.bytes,
        sha256: input.patch.sha256,
      });
    }
    return row;
  });
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
  const rows = await selectRows<Record<string, unknown>>(
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
