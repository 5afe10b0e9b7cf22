// Push assignment: hands queued tasks to workers connected to this replica.
//
// - A `task.created` hint: every replica runs the allocator over all eligible workers; only the replica
//   holding the best worker's socket claims the task for it (with the score breakdown) and sends
//   `task.assign`. Replicas agree without talking because they read the same rows.
// - A worker connects or frees a slot: claim the best task for that worker (like a pull, on its behalf).
//   After a finished task the claim is skipped when this replica has heard of no queued task the worker
//   could take (QueuedHints) and its last sweep found no old one waiting: it would come back empty.
// - An offer (`task.assign`) the worker neither accepts nor rejects within the offer timeout is taken
//   back and announced again, passing over that worker: the next best gets it.
// - A periodic sweep catches what hints missed (lost bus messages, best worker on a dead replica,
//   retry backoffs ending): tasks waiting longer than the sweep age go to any free local worker.
// Claims are guarded UPDATEs, so replicas racing for one task cannot both win.
import { randomUUID } from "node:crypto";
import type { AssignedTask } from "@garageswarm/protocol";
import { listCandidateWorkers } from "../allocator/queries.ts";
import { createScoreRecorder } from "../allocator/record-score.ts";
import { allocate, type CandidateWorker, type TaskNeeds } from "../allocator/score.ts";
import { type BusMessages, subscribe } from "../bus/channels.ts";
import { takeBackOffer } from "../queue/service.ts";
import { leaseSeconds } from "../queue/timing.ts";
import { claimTask } from "../queue/transitions/claim.ts";
import type { Resources } from "../resources.ts";
import { readAllocatorSettings } from "../settings/allocator.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { resumeSessionId } from "../tasks/view.ts";
import { anyTaskQueuedBefore } from "./queries.ts";
import { QueuedHints } from "./queued-hints.ts";
import type { WorkerConnection, WorkerConnections } from "./worker-connections.ts";

const SWEEP_INTERVAL_MS = 2_000;
const SWEEP_MIN_AGE_MS = 2_000;

export interface Dispatcher {
  /** Fill the worker's free slots (it connected). */
  fillWorker(connection: WorkerConnection): Promise<void>;
  /** The worker finished (or gave back) a task: fill the slot if there may be something to claim. */
  slotFreed(connection: WorkerConnection): Promise<void>;
  /** The worker answered the offer of this task (accepted, rejected, or reported on it). */
  offerAnswered(taskId: string): void;
  sweep(): Promise<void>;
  close(): Promise<void>;
}

export async function createDispatcher(resources: Resources, connections: WorkerConnections): Promise<Dispatcher> {
  const { db, clock, config, log } = resources;
  // One claim at a time per worker, so concurrent triggers cannot overfill its slots.
  const queues = new Map<string, Promise<unknown>>();
  const hints = new QueuedHints();
  const scores = createScoreRecorder(resources, "free_slot");
  // Whether the last sweep found a queued task older than the sweep age; at start, whether any task is
  // queued (set below, once the hints are subscribed): those were never heard of.
  let oldTasksWaiting = true;
  // Claims in flight, by the tools of the tasks they may take: a task heard of is spoken for while one
  // runs, so a freed slot does not race it for the same row. Workers that held back for that reason are
  // asked again when a claim ends (it may have come back empty).
  const claimsInFlight = new Map<string, number>();
  const untargetedClaims = new Set<Promise<unknown>>();
  const heldBack = new Set<WorkerConnection>();
  // Candidate lists, by user and tool. Hints arriving before a list is read share it instead of each
  // listing the whole fleet; each counts its winner into it before the next one ranks. A list is read
  // only once the claims decided from the one before have landed, so it shows them as a list read
  // after each claim would: one list per round of claims, however many hints the round holds.
  const openListings = new Map<string, SharedListing>();
  const lastListings = new Map<string, SharedListing>();
  // Offers sent from here and not yet answered, by task: each is taken back when its timer fires.
  const offers = new Map<string, NodeJS.Timeout>();

  function startOffer(connection: WorkerConnection, row: TaskRow): void {
    const token = row.lease_token;
    if (!token) return;
    clearTimeout(offers.get(row.task_id));
    const timer = setTimeout(() => {
      offers.delete(row.task_id);
      takeBack(connection.worker_id, row.task_id, token).catch((error) =>
        log.warn({ err: error, task_id: row.task_id }, "taking back an unanswered offer failed"),
      );
    }, config.offerTimeoutSeconds * 1000);
    timer.unref();
    offers.set(row.task_id, timer);
  }

  function offerAnswered(taskId: string): void {
    clearTimeout(offers.get(taskId));
    offers.delete(taskId);
  }

  async function takeBack(workerId: string, taskId: string, attemptToken: string): Promise<void> {
    const reason = `offer not answered within ${config.offerTimeoutSeconds} s`;
    if (!(await takeBackOffer(resources, { workerId, taskId, attemptToken, reason }))) return;
    log.info(
      { task_id: taskId, worker_id: workerId },
      "offer not answered in time; offering the task to the next worker",
    );
    const connection = connections.get(workerId);
    if (connection) {
      connection.capacity.held.delete(taskId);
      // If it ever starts the task, its reports are fenced off; this tells it not to bother.
      connection.send({
        type: "task.cancel",
        id: randomUUID(),
        ts: clock.now().toISOString(),
        data: { task_id: taskId, reason },
      });
    }
  }

  function shareCandidates(userId: string, tools: readonly string[]): SharedListing {
    const key = `${userId} ${tools.join(",")}`;
    const open = openListings.get(key);
    if (open) {
      open.users++;
      return open;
    }
    const previous = lastListings.get(key)?.landed ?? Promise.resolve();
    let landed = () => {};
    const listing: SharedListing = {
      users: 1,
      landed: new Promise<void>((resolve) => {
        landed = resolve;
      }),
      workers: previous.then(async () => {
        try {
          return await listCandidateWorkers(db, { userId, tools });
        } finally {
          // Closed before any hint ranks on it: a hint after this point waits for a fresh list.
          if (openListings.get(key) === listing) openListings.delete(key);
        }
      }),
      release: () => {
        if (--listing.users > 0) return;
        landed();
        if (lastListings.get(key) === listing) lastListings.delete(key);
      },
    };
    openListings.set(key, listing);
    lastListings.set(key, listing);
    return listing;
  }

  function serialized<T>(workerId: string, job: () => Promise<T>): Promise<T> {
    const previous = queues.get(workerId) ?? Promise.resolve();
    const next = previous.then(job, job);
    const settled = next.catch(() => {});
    queues.set(workerId, settled);
    void settled.then(() => {
      if (queues.get(workerId) === settled) queues.delete(workerId);
    });
    return next;
  }

  /** `tools`: of the tasks this claim may take (the hinted task's, or all the worker's). */
  async function claimFor(
    connection: WorkerConnection,
    tools: Iterable<string>,
    extra: { taskId?: string; queuedBefore?: Date; score?: unknown },
  ): Promise<TaskRow | undefined> {
    const now = clock.now();
    const counted = [...tools];
    for (const tool of counted) claimsInFlight.set(tool, (claimsInFlight.get(tool) ?? 0) + 1);
    connection.capacity.claiming++;
    const claim = claimTask(db, {
      workerId: connection.worker_id,
      principalId: connection.user_id,
      now,
      leaseExpiresAt: new Date(now.getTime() + leaseSeconds(config) * 1000),
      attemptToken: randomUUID(),
      ...extra,
    });
    if (!extra.taskId) untargetedClaims.add(claim);
    let row: TaskRow | undefined;
    try {
      row = await claim;
    } finally {
      if (row) hints.left(row.task_id);
      connection.capacity.claiming--;
      for (const tool of counted) {
        const left = (claimsInFlight.get(tool) ?? 1) - 1;
        if (left > 0) claimsInFlight.set(tool, left);
        else claimsInFlight.delete(tool);
      }
      untargetedClaims.delete(claim);
      askHeldBackAgain();
    }
    if (row) {
      connection.capacity.held.set(row.task_id, Date.now());
      connection.send({ type: "task.assign", id: randomUUID(), ts: now.toISOString(), data: toAssigned(row) });
      startOffer(connection, row);
      if (extra.score === undefined) scores.record(row);
      await publishTaskUpdated(resources, row);
    }
    return row;
  }

  const inFlightFor = (tool: string) => claimsInFlight.get(tool) ?? 0;
  const mayHaveWork = (connection: WorkerConnection) =>
    oldTasksWaiting || hints.mayHaveWorkFor(connection.worker_id, connection.capacity.tools, inFlightFor);

  /** Waits for the untargeted claims in flight now (and those they set off, a few rounds at most). */
  async function claimsLanded(): Promise<void> {
    for (let i = 0; i < 4 && untargetedClaims.size > 0; i++) await Promise.allSettled([...untargetedClaims]);
  }

  function askHeldBackAgain(): void {
    if (heldBack.size === 0) return;
    const again = [...heldBack];
    heldBack.clear();
    for (const connection of again) {
      fillWorker(connection, { onlyIfHeard: true }).catch((error) =>
        log.warn({ err: error, worker_id: connection.worker_id }, "dispatch fill failed"),
      );
    }
  }

  async function fillWorker(
    connection: WorkerConnection,
    { queuedBefore, onlyIfHeard = false }: { queuedBefore?: Date; onlyIfHeard?: boolean } = {},
  ): Promise<void> {
    await serialized(connection.worker_id, async () => {
      // Bounded: a worker never holds more than its slots, and claimTask checks that itself.
      for (let i = 0; i < 256; i++) {
        if (connections.get(connection.worker_id) !== connection || !connection.capacity.hasRoom()) return;
        if (onlyIfHeard && !mayHaveWork(connection)) {
          // Tasks are heard of, but the claims in flight may take them all: ask again when one ends.
          if (hints.anyFor(connection.capacity.tools)) heldBack.add(connection);
          return;
        }
        const row = await claimFor(connection, connection.capacity.tools, queuedBefore ? { queuedBefore } : {});
        if (!row) return;
      }
    });
  }

  async function onTaskCreated(hint: BusMessages["task.created"]): Promise<void> {
    hints.heard(hint, clock.now().getTime());
    if (hint.pinned_worker_id) {
      // Only this task: filling the worker's other slots here would beat the allocator to later tasks.
      const pinned = connections.get(hint.pinned_worker_id);
      if (pinned?.capacity.hasRoom()) {
        await serialized(pinned.worker_id, () => claimFor(pinned, hint.tools, { taskId: hint.task_id }));
      }
      return;
    }
    // Only the replica holding the winner acts: one with no local worker that could take the task
    // skips the allocation (and its queries) altogether.
    if (![...connections.all()].some((connection) => connection.capacity.hasRoom(hint.tools))) return;
    // Claims running here may be taking this very task (a freed slot takes the oldest queued one): let
    // them land first, and skip the allocation if one did.
    await claimsLanded();
    if (!hints.has(hint.task_id)) return;
    // The hint carries what the allocator needs; the claim below checks the task is still queued.
    const listing = shareCandidates(hint.user_id, hint.tools);
    try {
      await allocateAndClaim(hint, listing);
    } finally {
      listing.release();
    }
  }

  async function allocateAndClaim(hint: BusMessages["task.created"], listing: SharedListing): Promise<void> {
    const candidates = await listing.workers;
    const { weights, thresholds } = await readAllocatorSettings(resources);
    // From here to the claim nothing awaits: the winner is counted in before another hint ranks.
    const needs = {
      tools: hint.tools,
      model: hint.model,
      requirements: hint.requirements as TaskNeeds["requirements"],
      preferred_worker_id: hint.preferred_worker_id,
    };
    const allocation = allocate(needs, candidates, weights, thresholds, clock.now());
    const listed = candidates.length;
    // The ranking is from the rows as they were a moment ago; a local worker that has filled its slot
    // since (it finished a task and claimed the next) is passed over for the next one. The walk stops at
    // a worker this replica does not hold: another replica, or a puller, decides for it (and is counted
    // as taking the task, as the replica holding it counts it).
    for (const [index, entry] of allocation.ranked.entries()) {
      // Every replica passes over the worker that let this task's offer time out, so they agree on the next.
      if (entry.worker_id === hint.avoid_worker_id) continue;
      const connection = connections.get(entry.worker_id);
      if (!connection) {
        countTaken(candidates, entry.worker_id, entry.tool);
        return;
      }
      if (!connection.capacity.hasRoom(hint.tools)) continue;
      countTaken(candidates, entry.worker_id, entry.tool);
      const score = {
        ...entry,
        via: "allocator",
        rank: index + 1,
        candidates: listed,
        rejected: allocation.rejected,
      };
      await serialized(connection.worker_id, async () => {
        await claimsLanded();
        // Taken meanwhile (a freed slot here claimed it, or another replica did), or the slot filled
        // while this waited its turn: the claim would be empty.
        if (hints.has(hint.task_id) && connection.capacity.hasRoom(hint.tools)) {
          await claimFor(connection, hint.tools, { taskId: hint.task_id, score });
        }
      });
      return;
    }
  }

  async function sweep(): Promise<void> {
    if (![...connections.all()].some((connection) => connection.capacity.hasRoom())) return;
    const queuedBefore = new Date(clock.now().getTime() - SWEEP_MIN_AGE_MS);
    oldTasksWaiting = await anyTaskQueuedBefore(db, queuedBefore);
    if (!oldTasksWaiting) {
      // Nothing queued since before queuedBefore: entries heard well before it are stale (deleted tasks).
      hints.forgetHeardBefore(queuedBefore.getTime() - SWEEP_MIN_AGE_MS);
      return;
    }
    for (const connection of connections.all()) {
      if (connection.capacity.hasRoom()) await fillWorker(connection, { queuedBefore });
    }
  }

  const unsubscribeCreated = await subscribe(resources.bus, "task.created", (hint) => {
    onTaskCreated(hint).catch((error) => log.warn({ err: error, task_id: hint.task_id }, "push allocation failed"));
  });
  const unsubscribeUpdated = await subscribe(resources.bus, "task.updated", (update) => {
    if (update.status !== "queued") hints.left(update.task_id);
  });
  oldTasksWaiting = await anyTaskQueuedBefore(db, clock.now());
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweep()
      .catch((error) => log.warn({ err: error }, "dispatch sweep failed"))
      .finally(() => {
        sweeping = false;
      });
  }, SWEEP_INTERVAL_MS);
  timer.unref();

  return {
    fillWorker: (connection) => fillWorker(connection),
    slotFreed: (connection) => fillWorker(connection, { onlyIfHeard: true }),
    offerAnswered,
    sweep,
    close: async () => {
      clearInterval(timer);
      for (const offer of offers.values()) clearTimeout(offer);
      offers.clear();
      await unsubscribeCreated();
      await unsubscribeUpdated();
      await Promise.allSettled(queues.values());
      await scores.flush();
    },
  };
}

interface SharedListing {
  workers: Promise<CandidateWorker[]>;
  /** Hints on this list, from before it is read until their claim has landed. */
  users: number;
  /** Resolves once every hint on it has released it. */
  landed: Promise<void>;
  release(): void;
}

/**
 * The list as the next hint sharing it should see it: this worker holds one task more (of `tool`, for its
 * per-tool cap), and is gone once its slots are full (a fresh list would leave it out).
 */
function countTaken(candidates: CandidateWorker[], workerId: string, tool: string): void {
  const index = candidates.findIndex((worker) => worker.worker_id === workerId);
  const worker = candidates[index];
  if (!worker) return;
  if (worker.running_tasks + 1 >= worker.slots) candidates.splice(index, 1);
  else {
    candidates[index] = {
      ...worker,
      running_tasks: worker.running_tasks + 1,
      held_by_tool: { ...worker.held_by_tool, [tool]: (worker.held_by_tool[tool] ?? 0) + 1 },
    };
  }
}

export function toAssigned(row: TaskRow): AssignedTask {
  return {
    task_id: row.task_id,
    attempt: row.attempt,
    attempt_token: row.lease_token ?? "",
    lease_expires_at: (row.lease_expires_at ?? new Date()).toISOString(),
    tool: row.tool as AssignedTask["tool"],
    model: row.model,
    prompt: row.prompt,
    options: (row.options ?? {}) as Record<string, unknown>,
    timeout_seconds: row.timeout_seconds,
    owner_user_id: row.user_id,
    resume_session_id: resumeSessionId(row),
  };
}
