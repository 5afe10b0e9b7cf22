// Back to the queue at once, without a backoff (task-machine.ts): an offer the worker never took up, and the
// tasks of a member whose share of the worker ended.
import { type SQL, sql } from "drizzle-orm";
import { type Db, ts, uuidArray } from "../../db/store.ts";
import type { TaskRow } from "../../tasks/queries.ts";
import { attemptsUsed, HELD, updateLogged } from "../statements.ts";

/**
 * At a worker's hello: the tasks pushed to it that it never accepted and does not hold — the offer was
 * lost with a session that closed. Running tasks it does not list keep their lease: their results may
 * still come from the worker's outbox.
 */
export function releaseUndeliveredOffers(db: Db, workerId: string, heldTaskIds: string[], now: Date) {
  return requeueOffers(
    db,
    sql`worker_id = ${workerId}::uuid and not task_id = any(${uuidArray(heldTaskIds)})`,
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
        where worker_id = ${workerId}::uuid and user_id = ${memberId}::uuid and status in ${HELD}
        returning tasks.*`,
    sql`${reason}`,
  );
}
