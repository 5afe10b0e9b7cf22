// Offers: a task this replica pushed to a worker (`task.assign`), waiting for the worker's answer.
//
//   offered ──(task.accept)─────────────────────────────▶ accepted   (forgotten: the lease is the worker's)
//   offered ──(task.reject, or a complete/fail on it)───▶ rejected / answered (forgotten: the slot is refilled)
//   offered ──(offer timeout, on resources.timers)──────▶ timed out
//   timed out ──(takeBackOffer: assigned → queued, attempt − 1, token void)──▶ re-announced
//                (a `task.queued` hint that passes over this worker; `task.cancel` to it, so it stops)
//   timed out ──(an answer landed first: the take-back changes nothing)──▶ kept by the worker
//
// Invariants: at most one timer per task; an answer clears it. The take-back is a guarded UPDATE on the
// attempt token, so an accept racing the timer either wins (the worker keeps the task) or is fenced off
// (its reports answer `stale`), never both. Offers live in this replica's memory only: an offer whose
// replica died is released when the worker says hello again, or by the lease reaper.
import { randomUUID } from "node:crypto";
import type { TimerHandle } from "../clock.ts";
import { takeBackOffer } from "../queue/service.ts";
import type { WorkerConnections } from "../realtime/worker-connections.ts";
import type { Resources } from "../resources.ts";

export class Offers {
  readonly #resources: Resources;
  readonly #connections: WorkerConnections;
  readonly #timers = new Map<string, TimerHandle>();

  constructor(resources: Resources, connections: WorkerConnections) {
    this.#resources = resources;
    this.#connections = connections;
  }

  /** The task was just sent to the worker under `attemptToken`: its deadline starts now. */
  offered(workerId: string, taskId: string, attemptToken: string): void {
    const { timers, config } = this.#resources;
    timers.clearTimeout(this.#timers.get(taskId));
    const timer = timers.setTimeout(() => {
      this.#timers.delete(taskId);
      return this.#timedOut(workerId, taskId, attemptToken).catch((error) =>
        this.#resources.log.warn({ err: error, task_id: taskId }, "taking back an unanswered offer failed"),
      );
    }, config.offerTimeoutSeconds * 1000);
    this.#timers.set(taskId, timer);
  }

  /** The worker answered the offer (accepted, rejected, or reported on the task). */
  answered(taskId: string): void {
    this.#resources.timers.clearTimeout(this.#timers.get(taskId));
    this.#timers.delete(taskId);
  }

  /** Whether an offer of this task is waiting for its answer here. */
  isOpen(taskId: string): boolean {
    return this.#timers.has(taskId);
  }

  close(): void {
    for (const timer of this.#timers.values()) this.#resources.timers.clearTimeout(timer);
    this.#timers.clear();
  }

  async #timedOut(workerId: string, taskId: string, attemptToken: string): Promise<void> {
    const { config, log, clock } = this.#resources;
    const reason = `offer not answered within ${config.offerTimeoutSeconds} s`;
    if (!(await takeBackOffer(this.#resources, { workerId, taskId, attemptToken, reason }))) return;
    log.info(
      { task_id: taskId, worker_id: workerId },
      "offer not answered in time; offering the task to the next worker",
    );
    const connection = this.#connections.get(workerId);
    if (!connection) return;
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
