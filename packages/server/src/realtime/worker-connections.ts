// The workers connected to THIS replica over WebSocket. Other replicas hold their own; the bus and the
// database connect them.
import type { ServerToWorker } from "@garageswarm/protocol";

export interface WorkerConnection {
  readonly worker_id: string;
  /** The owner whose API key the worker connected with: the identity it acts as. */
  readonly user_id: string;
  /** What the worker said in `hello` (and later heartbeats): a local hint to skip hopeless claims. */
  capacity: LocalCapacity;
  send(message: ServerToWorker): void;
  close(code: number, reason: string): void;
}

/**
 * This replica's view of a connected worker's room. Only a hint to avoid queries that cannot succeed:
 * the claim statement checks the real slots in the database.
 */
export class LocalCapacity {
  slots = 1;
  tools = new Set<string>();
  /** Tasks the worker holds as far as this replica knows, with when each was handed to it. */
  readonly held = new Map<string, number>();
  /** Claims in flight for it: a slot being filled is not room for another claim. */
  claiming = 0;

  /** A free slot (for a task that runs on one of `tools`, when given). */
  hasRoom(tools?: readonly string[]): boolean {
    return (
      this.held.size + this.claiming < this.slots && (tools === undefined || tools.some((tool) => this.tools.has(tool)))
    );
  }

  setTools(tools: ReadonlyArray<{ name: string; healthy?: boolean }>): void {
    this.tools = new Set(tools.filter((tool) => tool.healthy !== false).map((tool) => tool.name));
  }

  /**
   * A heartbeat lists what the worker runs; assignments younger than `graceMs` may not have started yet.
   * `released`: of those listed, the ones the store says it no longer holds. A busy worker's beat nearly
   * always lists the task whose completion it sent just before (the ack had not come back): counting it
   * again would leave the slot looking full until the grace ran out.
   */
  reconcile(runningTaskIds: readonly string[], released: readonly string[], nowMs: number, graceMs: number): void {
    const gone = new Set(released);
    const running = new Set(runningTaskIds.filter((taskId) => !gone.has(taskId)));
    for (const [taskId, since] of this.held) {
      if (gone.has(taskId) || (!running.has(taskId) && nowMs - since > graceMs)) this.held.delete(taskId);
    }
    for (const taskId of running) if (!this.held.has(taskId)) this.held.set(taskId, nowMs);
  }
}

export class WorkerConnections {
  readonly #byWorker = new Map<string, WorkerConnection>();

  add(connection: WorkerConnection): void {
    // A worker that reconnects replaces its older socket; the old one is closed so it stops sending.
    const previous = this.#byWorker.get(connection.worker_id);
    this.#byWorker.set(connection.worker_id, connection);
    if (previous && previous !== connection) previous.close(4000, "replaced by a newer connection");
  }

  remove(connection: WorkerConnection): void {
    if (this.#byWorker.get(connection.worker_id) === connection) this.#byWorker.delete(connection.worker_id);
  }

  get(workerId: string): WorkerConnection | undefined {
    return this.#byWorker.get(workerId);
  }

  all(): IterableIterator<WorkerConnection> {
    return this.#byWorker.values();
  }

  get size(): number {
    return this.#byWorker.size;
  }
}
