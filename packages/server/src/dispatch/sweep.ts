// The sweep: catches what the hints missed (a lost bus message, the best worker on a dead replica, a
// retry's backoff ending, a task queued before this replica started). Every SWEEP_INTERVAL_MS on the
// resources' timers, tasks waiting longer than SWEEP_MIN_AGE_MS go to any free local worker; fresher
// ones are the allocator's. It also tells the claim gate whether old tasks wait (a freed slot then
// claims without having heard of one), and forgets hints for tasks gone without a bus message.
import type { TimerHandle } from "../clock.ts";
import type { WorkerConnection, WorkerConnections } from "../realtime/worker-connections.ts";
import type { Resources } from "../resources.ts";
import type { ClaimGate } from "./claim-gate.ts";
import { anyTaskQueuedBefore } from "./queries.ts";

export const SWEEP_INTERVAL_MS = 2_000;
export const SWEEP_MIN_AGE_MS = 2_000;

export class Sweep {
  readonly #resources: Resources;
  readonly #connections: WorkerConnections;
  readonly #gate: ClaimGate;
  readonly #fill: (connection: WorkerConnection, queuedBefore: Date) => Promise<void>;
  #timer: TimerHandle | undefined;
  #stopped = false;

  /** `fill`: claim tasks queued before the given instant for this worker until its slots are full. */
  constructor(
    resources: Resources,
    connections: WorkerConnections,
    gate: ClaimGate,
    fill: (connection: WorkerConnection, queuedBefore: Date) => Promise<void>,
  ) {
    this.#resources = resources;
    this.#connections = connections;
    this.#gate = gate;
    this.#fill = fill;
  }

  /** One pass as of `now`. */
  async runOnce(now: Date = this.#resources.clock.now()): Promise<void> {
    if (![...this.#connections.all()].some((connection) => connection.capacity.hasRoom())) return;
    const queuedBefore = new Date(now.getTime() - SWEEP_MIN_AGE_MS);
    this.#gate.oldTasksWaiting = await anyTaskQueuedBefore(this.#resources.db, queuedBefore);
    if (!this.#gate.oldTasksWaiting) {
      // Nothing queued since before queuedBefore: entries heard well before it are stale (deleted tasks).
      this.#gate.hints.forgetHeardBefore(queuedBefore.getTime() - SWEEP_MIN_AGE_MS);
      return;
    }
    for (const connection of this.#connections.all()) {
      if (connection.capacity.hasRoom()) await this.#fill(connection, queuedBefore);
    }
  }

  /** Passes one after another, SWEEP_INTERVAL_MS apart (a slow pass delays the next, never overlaps it). */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#resources.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#resources.timers.setTimeout(
      () =>
        this.runOnce()
          .catch((error) => this.#resources.log.warn({ err: error }, "dispatch sweep failed"))
          .finally(() => this.#schedule()),
      SWEEP_INTERVAL_MS,
    );
  }
}
