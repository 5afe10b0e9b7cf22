// The worker's side of the queue over HTTP: pull a task (long-poll), then start, progress, complete or
// fail it with the attempt token it was given. See task-machine.ts for the state machine. Starts, completions
// and failures are written in groups per replica (group-commit.ts); each caller still gets its own row or
// its own refusal, and what follows (the bus hint) happens per task.
import { createHash, randomUUID } from "node:crypto";
import type { ClaimedTask, TaskComplete, TaskFail, TaskProgress, TaskResult, WorkerTool } from "@garageswarm/protocol";
import { recordClaimScore } from "../allocator/record-score.ts";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, StaleTokenError } from "../errors.ts";
import { taskFailed, toolLimited } from "../push/messages.ts";
import type { Resources } from "../resources.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { announceQueued } from "../tasks/service.ts";
import { toClaimedTaskView } from "../tasks/view.ts";
import { findWorkerForUser } from "../workers/queries.ts";
import * as q from "./queries.ts";
import { leaseExpiresAt, limitedUntil, limitWaitUntil, MAX_PARKS_PER_TASK } from "./timing.ts";
import { type ClaimInput, claimTask } from "./transitions/claim.ts";
import * as offers from "./transitions/offers.ts";
import * as reports from "./transitions/report.ts";
import type { Wakeups } from "./wakeups.ts";

/**
 * The one claim path, for pull and push alike: the best task this worker may run (or the one named),
 * under a fresh lease and attempt token as of the clock's now.
 */
export async function claimForWorker(
  resources: Resources,
  claim: Pick<ClaimInput, "workerId" | "principalId" | "taskId" | "queuedBefore" | "score">,
): Promise<TaskRow | undefined> {
  const now = resources.clock.now();
  return claimTask(resources.db, {
    ...claim,
    now,
    leaseExpiresAt: leaseExpiresAt(resources.config, now),
    attemptToken: randomUUID(),
  });
}

const claimOnce = (resources: Resources, principalId: string, workerId: string) =>
  claimForWorker(resources, { workerId, principalId });

/**
 * The best task this worker may run, claimed under a fresh lease; or null after waiting up to
 * `waitSeconds` (wall time: this is transport, not engine time) for a `task.queued` hint.
 */
export async function pullTask(
  resources: Resources,
  wakeups: Wakeups,
  principalId: string,
  workerId: string,
  waitSeconds: number,
  signal: AbortSignal,
): Promise<ClaimedTask | null> {
  // The fast path is one statement; who the worker is only matters when there is nothing to hand out.
  const first = await claimOnce(resources, principalId, workerId);
  if (first) return claimed(resources, first);

  const worker = await findWorkerForUser(resources.db, principalId, workerId);
  if (!worker) throw new NotFoundError("worker not found");
  if (worker.role !== "owner") throw new ForbiddenError("only the worker's owner may pull tasks for it");
  if (waitSeconds === 0) return null;

  const tools = (worker.tools as WorkerTool[]).filter((tool) => tool.healthy !== false).map((tool) => tool.name);
  const deadline = Date.now() + waitSeconds * 1000;
  while (!signal.aborted) {
    const registration = wakeups.register(workerId, tools);
    const row = await claimOnce(resources, principalId, workerId);
    if (row) {
      registration.release();
      return claimed(resources, row);
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      registration.release();
      break;
    }
    await registration.wait(remaining, signal);
  }
  return null;
}

async function claimed(resources: Resources, row: TaskRow): Promise<ClaimedTask> {
  const scored = await recordClaimScore(resources, row, "pull");
  await publishTaskUpdated(resources, scored);
  return toClaimedTaskView(resources.db, scored);
}

export async function startTask(
  resources: Resources,
  principalId: string,
  taskId: string,
  token: string,
): Promise<TaskRow> {
  const now = resources.clock.now();
  const input = {
    taskId,
    attemptToken: token,
    principalId,
    now,
    leaseExpiresAt: leaseExpiresAt(resources.config, now),
  };
  const row = await resources.reports.start.submit(input);
  if (!row) return refuse(resources, principalId, taskId, token);
  await publishTaskUpdated(resources, row);
  return row;
}

export async function reportProgress(
  resources: Resources,
  principalId: string,
  taskId: string,
  report: TaskProgress,
): Promise<TaskRow> {
  const now = resources.clock.now();
  const row = await reports.recordProgress(resources.db, {
    taskId,
    attemptToken: report.attempt_token,
    principalId,
    now,
    leaseExpiresAt: leaseExpiresAt(resources.config, now),
    progress: report.progress,
    message: report.message === undefined ? undefined : storable(report.message),
  });
  if (!row) return refuse(resources, principalId, taskId, report.attempt_token);
  await publishTaskUpdated(resources, row);
  return row;
}

export async function completeTask(
  resources: Resources,
  principalId: string,
  taskId: string,
  report: TaskComplete,
): Promise<TaskRow> {
  const fence = { taskId, attemptToken: report.attempt_token, principalId, now: resources.clock.now() };
  const row = report.result.code
    ? await reports.completeCodeAttempt(resources.db, { ...fence, ...codeReport(report.result) })
    : await resources.reports.complete.submit({ ...fence, result: storable(report.result) });
  if (!row) return refuse(resources, principalId, taskId, report.attempt_token);
  await publishTaskUpdated(resources, row);
  return row;
}

/**
 * The attempt failed; with `limit`, the tool hit a usage limit instead, and the task is parked (queries.ts)
 * without using an attempt: it waits for the reset, or fails over at once, and is announced to the
 * workers then.
 */
export async function failTask(
  resources: Resources,
  principalId: string,
  taskId: string,
  report: TaskFail,
): Promise<TaskRow> {
  const now = resources.clock.now();
  const fence = { taskId, attemptToken: report.attempt_token, principalId, now };
  const sessionId = report.session_id === undefined ? undefined : storable(report.session_id);
  if (report.limit) {
    const until = limitedUntil(report.limit.resets_at, now, resources.config.limitDefaultWaitSeconds);
    const parked = await reports.parkAttempt(resources.db, {
      ...fence,
      limit: { kind: report.limit.kind, message: storable(report.limit.message) },
      limitedUntil: until,
      waitUntil: limitWaitUntil(until, now),
      sessionId,
      maxParks: MAX_PARKS_PER_TASK,
    });
    if (parked) {
      await publishTaskUpdated(resources, parked);
      resources.push.notify(parked.user_id, () => toolLimited(parked));
      if (parked.available_at.getTime() <= now.getTime()) await announceQueued(resources, parked);
      return parked;
    }
    // Refused by the fence (the failure below is refused too, and says why), or parked too often already.
  }
  const row = await resources.reports.fail.submit({
    ...fence,
    error: storable(report.error),
    retryable: report.retryable,
    sessionId,
  });
  if (!row) return refuse(resources, principalId, taskId, report.attempt_token);
  await publishTaskUpdated(resources, row);
  // A workflow's task is its run's business: the run's failure is what its owner hears of.
  if (row.status === "failed" && !row.run_id) resources.push.notify(row.user_id, () => taskFailed(row));
  return row;
}

/** A fenced report changed nothing: say whether the task is not the caller's (404) or the token is stale (409). */
export async function refuse(resources: Resources, principalId: string, taskId: string, token: string): Promise<never> {
  const found = await q.findForFencedReport(resources.db, taskId, principalId);
  if (!found?.visible) throw new NotFoundError("task not found");
  if (found.lease_token !== token) {
    throw new StaleTokenError("attempt token is not the task's current one: this attempt was superseded");
  }
  if ((found.status === "assigned" || found.status === "running") && !found.shared) {
    throw new ConflictError("the task's owner no longer lets this worker run their tasks (the share ended)");
  }
  throw new ConflictError(`task is ${found.status}; this attempt can no longer report`);
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Tool output may hold NUL characters or broken UTF-16, which jsonb refuses: clean them rather than
 * lose a finished result.
 */
/**
 * A code task's result without its patch (kept apart, in task_patches), and the patch checked against the
 * size and digest the worker claims for it: a worker that lies about its patch is refused.
 */
function codeReport(result: TaskResult): {
  result: TaskResult;
  patch: { text: string; bytes: number; sha256: string } | null;
} {
  const code = result.code;
  if (!code) return { result: storable(result), patch: null };
  const { patch, ...summary } = code;
  const stored = { ...result, code: summary };
  if (patch === undefined) return { result: storable(stored), patch: null };
  const bytes = Buffer.byteLength(patch, "utf8");
  const sha256 = createHash("sha256").update(patch, "utf8").digest("hex");
  if (bytes !== code.patch_bytes) {
    throw new InvalidInputError(
      `the patch is ${bytes} bytes, not the ${code.patch_bytes} patch_bytes says`,
      "body.result.code.patch_bytes",
    );
  }
  if (sha256 !== code.patch_sha256) {
    throw new InvalidInputError("the patch does not match its patch_sha256", "body.result.code.patch_sha256");
  }
  return { result: storable(stored), patch: { text: patch, bytes, sha256 } };
}

function storable<T>(value: T): T {
  if (typeof value === "string") return value.replaceAll("\u0000", "").replace(loneSurrogate, "\uFFFD") as T;
  if (Array.isArray(value)) return value.map(storable) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [storable(key), storable(item)])) as T;
  }
  return value;
}

/** A worker said hello without tasks pushed to it before: they are offered again, to it or another. */
export async function releaseUndeliveredOffers(
  resources: Resources,
  workerId: string,
  heldTaskIds: string[],
): Promise<void> {
  const released = await offers.releaseUndeliveredOffers(resources.db, workerId, heldTaskIds, resources.clock.now());
  await offerAgain(resources, released);
}

/**
 * The worker neither accepted nor rejected this offer in time: it goes to the next worker (the allocator
 * passes this one over). False when an answer got in first and the worker keeps the task.
 */
export async function takeBackOffer(
  resources: Resources,
  offer: { workerId: string; taskId: string; attemptToken: string; reason: string },
): Promise<boolean> {
  const { workerId, taskId, attemptToken, reason } = offer;
  const taken = await offers.takeBackOffer(resources.db, taskId, attemptToken, resources.clock.now(), reason);
  await offerAgain(resources, taken, workerId);
  return taken.length > 0;
}

async function offerAgain(resources: Resources, rows: TaskRow[], avoidWorkerId: string | null = null): Promise<void> {
  for (const row of rows) {
    await publishTaskUpdated(resources, row);
    await announceQueued(resources, row, { avoidWorkerId });
  }
}
