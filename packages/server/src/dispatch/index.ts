// The dispatcher: hands queued tasks to the workers connected to THIS replica over WebSocket (push), built
// in server.ts beside the reaper, advancer and scheduler. Its parts:
//   offers.ts          an offer's deadline: offered → accepted | rejected | timed out → re-announced
//   candidate-lists.ts the fleet listing shared by the hints of one round
//   claim-gate.ts      whether a freed slot's claim is worth a statement (queued-hints.ts), claims in flight
//   keyed-serial.ts    one claim at a time per worker, so concurrent triggers cannot overfill its slots
//   sweep.ts           the periodic catch-all for what hints missed
//
// What moves a task here:
// - A `task.queued` hint: every replica runs the allocator over all eligible workers; only the replica
//   holding the best worker's socket claims the task for it (with the score breakdown) and sends
//   `task.assign`. Replicas agree without talking because they read the same rows.
// - A worker connects or frees a slot: claim the best task for that worker (like a pull, on its behalf,
//   through the same claim path). After a finished task the claim is skipped when the claim gate says it
//   would come back empty.
// - An offer the worker leaves unanswered past the offer timeout is taken back and announced again,
//   passing over that worker: the next best gets it.
// - The sweep: tasks waiting longer than its age go to any free local worker.
// Claims are guarded UPDATEs, so replicas racing for one task cannot both win.
import { randomUUID } from "node:crypto";
import type { AssignedTask, WorkerTool } from "@garageswarm/protocol";
import { createScoreRecorder } from "../allocator/record-score.ts";
import { allocate, allocationExplained, type TaskNeeds } from "../allocator/score.ts";
import { type BusMessages, subscribe } from "../bus/channels.ts";
import { claimForWorker } from "../queue/service.ts";
import type { WorkerConnection, WorkerConnections } from "../realtime/worker-connections.ts";
import type { Resources } from "../resources.ts";
import { readAllocatorSettings } from "../settings/allocator.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { resumeSessionId, resumeTurn } from "../tasks/view.ts";
import { CandidateLists, countTaken, type SharedListing } from "./candidate-lists.ts";
import { ClaimGate } from "./claim-gate.ts";
import { KeyedSerial } from "./keyed-serial.ts";
import { Offers } from "./offers.ts";
import { anyTaskQueuedBefore } from "./queries.ts";
import { Sweep } from "./sweep.ts";

/** Claims per fill, at most: a worker never holds more than its slots, and the claim checks that itself. */
const MAX_CLAIMS_PER_FILL = 256;

export interface Dispatcher {
  /** The workers connected to this replica. */
  readonly connections: WorkerConnections;
  /** Offers sent from here and not answered yet. */
  readonly offers: Offers;
  /** Subscribes to the hints and starts the sweep. */
  start(): Promise<void>;
  /**
   * A worker said hello and was welcomed: its room as it told it (`held`: the tasks it still runs that
   * are still its own), then its free slots are filled.
   */
  workerConnected(
    connection: WorkerConnection,
    hello: { slots: number; tools: readonly WorkerTool[]; held: readonly string[] },
  ): Promise<void>;
  /** A heartbeat: what the worker runs, and which of those the store says it no longer holds. */
  heartbeatReceived(
    connection: WorkerConnection,
    beat: { running: readonly string[]; released: readonly string[]; tools?: readonly WorkerTool[] },
  ): void;
  /** The worker answered the offer of this task (accepted it, or reported on it). */
  offerAnswered(taskId: string): void;
  /**
   * The worker is done with a task (completed, failed, rejected): `report` records that, then the slot is
   * refilled if there may be something to claim. Refilled even when the report is refused (stale): the
   * worker is free either way.
   */
  taskGivenBack(connection: WorkerConnection, taskId: string, report: () => Promise<void>): Promise<void>;
  /** One sweep pass as of `now` (tests; it also runs on its own every SWEEP_INTERVAL_MS). */
  sweep(now?: Date): Promise<void>;
  close(): Promise<void>;
}

export function createDispatcher(resources: Resources, connections: WorkerConnections): Dispatcher {
  const { db, clock, log } = resources;
  const serial = new KeyedSerial();
  const scores = createScoreRecorder(resources, "free_slot");
  const offers = new Offers(resources, connections);
  const lists = new CandidateLists(db);
  const gate = new ClaimGate((connection) => {
    fillWorker(connection, { onlyIfHeard: true }).catch((error) =>
      log.warn({ err: error, worker_id: connection.worker_id }, "dispatch fill failed"),
    );
  });
  const sweep = new Sweep(resources, connections, gate, (connection, queuedBefore) =>
    fillWorker(connection, { queuedBefore }),
  );
  const unsubscribes: Array<() => Promise<void>> = [];

  /** `tools`: of the tasks this claim may take (the hinted task's, or all the worker's). */
  async function claimFor(
    connection: WorkerConnection,
    tools: Iterable<string>,
    extra: { taskId?: string; queuedBefore?: Date; score?: unknown },
  ): Promise<TaskRow | undefined> {
    connection.capacity.claiming++;
    let row: TaskRow | undefined;
    try {
      row = await gate.track(
        [...tools],
        extra.taskId !== undefined,
        claimForWorker(resources, { workerId: connection.worker_id, principalId: connection.user_id, ...extra }),
      );
    } finally {
      connection.capacity.claiming--;
    }
    if (row) {
      connection.capacity.held.set(row.task_id, clock.now().getTime());
      connection.send({
        type: "task.assign",
        id: randomUUID(),
        ts: clock.now().toISOString(),
        data: toAssigned(row),
      });
      if (row.lease_token) offers.offered(connection.worker_id, row.task_id, row.lease_token);
      if (extra.score === undefined) scores.record(row);
      await publishTaskUpdated(resources, row);
    }
    return row;
  }

  async function fillWorker(
    connection: WorkerConnection,
    { queuedBefore, onlyIfHeard = false }: { queuedBefore?: Date; onlyIfHeard?: boolean } = {},
  ): Promise<void> {
    await serial.run(connection.worker_id, async () => {
      for (let i = 0; i < MAX_CLAIMS_PER_FILL; i++) {
        if (connections.get(connection.worker_id) !== connection || !connection.capacity.hasRoom()) return;
        if (onlyIfHeard && !gate.mayHaveWork(connection)) {
          // Tasks are heard of, but the claims in flight may take them all: ask again when one ends.
          gate.holdBack(connection);
          return;
        }
        const row = await claimFor(connection, connection.capacity.tools, queuedBefore ? { queuedBefore } : {});
        if (!row) return;
      }
    });
  }

  async function onTaskQueued(hint: BusMessages["task.queued"]): Promise<void> {
    gate.hints.heard(hint, clock.now().getTime());
    if (hint.pinned_worker_id) {
      // Only this task: filling the worker's other slots here would beat the allocator to later tasks.
      const pinned = connections.get(hint.pinned_worker_id);
      if (pinned?.capacity.hasRoom()) {
        await serial.run(pinned.worker_id, () => claimFor(pinned, hint.tools, { taskId: hint.task_id }));
      }
      return;
    }
    // Only the replica holding the winner acts: one with no local worker that could take the task
    // skips the allocation (and its queries) altogether.
    if (![...connections.all()].some((connection) => connection.capacity.hasRoom(hint.tools))) return;
    // Claims running here may be taking this very task (a freed slot takes the oldest queued one): let
    // them land first, and skip the allocation if one did.
    await gate.claimsLanded();
    if (!gate.hints.has(hint.task_id)) return;
    // The hint carries what the allocator needs; the claim below checks the task is still queued.
    const listing = lists.share(hint.user_id, hint.tools, hint.repo_url ?? null);
    try {
      await allocateAndClaim(hint, listing);
    } finally {
      listing.release();
    }
  }

  async function allocateAndClaim(hint: BusMessages["task.queued"], listing: SharedListing): Promise<void> {
    const candidates = await listing.workers;
    const { weights, thresholds } = await readAllocatorSettings(resources);
    // From here to the claim nothing awaits: the winner is counted in before another hint ranks.
    const needs = {
      tools: hint.tools,
      model: hint.model,
      requirements: hint.requirements as TaskNeeds["requirements"],
      preferred_worker_id: hint.preferred_worker_id,
      repo_url: hint.repo_url ?? null,
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
        ...allocationExplained(allocation, weights),
      };
      await serial.run(connection.worker_id, async () => {
        await gate.claimsLanded();
        // Taken meanwhile (a freed slot here claimed it, or another replica did), or the slot filled
        // while this waited its turn: the claim would be empty.
        if (gate.hints.has(hint.task_id) && connection.capacity.hasRoom(hint.tools)) {
          await claimFor(connection, hint.tools, { taskId: hint.task_id, score });
        }
      });
      return;
    }
  }

  return {
    connections,
    offers,
    async start() {
      unsubscribes.push(
        await subscribe(resources.bus, "task.queued", (hint) => {
          onTaskQueued(hint).catch((error) =>
            log.warn({ err: error, task_id: hint.task_id }, "push allocation failed"),
          );
        }),
        await subscribe(resources.bus, "task.updated", (update) => {
          if (update.status !== "queued") gate.hints.left(update.task_id);
        }),
      );
      // Tasks queued before the hints were subscribed were never heard of: a freed slot claims until
      // the first sweep says whether any is still old and waiting.
      gate.oldTasksWaiting = await anyTaskQueuedBefore(db, clock.now());
      sweep.start();
    },
    async workerConnected(connection, { slots, tools, held }) {
      connection.capacity.slots = slots;
      connection.capacity.setTools(tools);
      for (const taskId of held) connection.capacity.held.set(taskId, clock.now().getTime());
      await fillWorker(connection);
    },
    heartbeatReceived(connection, { running, released, tools }) {
      if (tools) connection.capacity.setTools(tools);
      connection.capacity.reconcile(
        running,
        released,
        clock.now().getTime(),
        2 * resources.config.heartbeatIntervalSeconds * 1000,
      );
    },
    offerAnswered: (taskId) => offers.answered(taskId),
    async taskGivenBack(connection, taskId, report) {
      offers.answered(taskId);
      connection.capacity.held.delete(taskId);
      // The slot counts as being refilled until the follow-up claim, so a hint arriving while the report
      // is written leaves the slot to that claim instead of racing it.
      connection.capacity.claiming++;
      try {
        await report();
      } finally {
        connection.capacity.claiming--;
        await fillWorker(connection, { onlyIfHeard: true });
      }
    },
    sweep: (now) => sweep.runOnce(now),
    async close() {
      sweep.stop();
      offers.close();
      for (const unsubscribe of unsubscribes.splice(0)) await unsubscribe();
      await serial.settled();
      await scores.flush();
    },
  };
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
    ...resumeTurn(row),
    repo: row.repo,
    workspace: row.workspace,
  };
}
