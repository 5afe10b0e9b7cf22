// The workers connected to THIS replica over WebSocket. Other replicas hold their own; the bus and the
// database connect them.
import type { ServerToWorker } from "@garageswarm/protocol";

export interface WorkerConnection {
  readonly worker_id: string;
  /** The owner whose API key the worker connected with: the identity it acts as. */
  readonly user_id: string;
  send(message: ServerToWorker): void;
  close(code: number, reason: string): void;
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
