// The claim gate: decides whether a claim for a freed slot is worth a statement, and keeps claims from
// racing each other for the same rows.
//
// - `hints` (queued-hints.ts): the tasks this replica heard are queued. A freed slot claims only when a
//   task heard of may be left for it, or the last sweep found an old task waiting (one no hint announced).
// - Claims in flight, by the tools of the tasks they may take: a task heard of is spoken for while one
//   runs, so a freed slot does not race it for the same row.
// - Held back: workers that skipped a claim because the claims in flight may take every task heard of.
//   They are asked again when a claim ends (it may have come back empty).
// - Untargeted claims (a freed slot's: the oldest queued task) in flight: a hint waits for them to land
//   before it allocates, as one of them may be taking its very task.
import type { WorkerConnection } from "../realtime/worker-connections.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { QueuedHints } from "./queued-hints.ts";

/** Rounds of untargeted claims a hint waits for: those in flight now and a few they set off. */
const LANDING_ROUNDS = 4;

export class ClaimGate {
  readonly hints = new QueuedHints();
  /** Whether the last sweep found a queued task older than the sweep age; at start, whether any is queued. */
  oldTasksWaiting = true;
  readonly #inFlight = new Map<string, number>();
  readonly #untargeted = new Set<Promise<unknown>>();
  readonly #heldBack = new Set<WorkerConnection>();
  readonly #askAgain: (connection: WorkerConnection) => void;

  /** `askAgain`: fill a held-back worker's slot, if a task heard of may still be left for it. */
  constructor(askAgain: (connection: WorkerConnection) => void) {
    this.#askAgain = askAgain;
  }

  /**
   * Counts `claim` in flight for `tools` (those of the tasks it may take) until it lands; `targeted`: it
   * claims one named task (a hint's), not the oldest queued one.
   */
  async track(
    tools: readonly string[],
    targeted: boolean,
    claim: Promise<TaskRow | undefined>,
  ): Promise<TaskRow | undefined> {
    for (const tool of tools) this.#inFlight.set(tool, (this.#inFlight.get(tool) ?? 0) + 1);
    if (!targeted) this.#untargeted.add(claim);
    let row: TaskRow | undefined;
    try {
      row = await claim;
      return row;
    } finally {
      if (row) this.hints.left(row.task_id);
      for (const tool of tools) {
        const left = (this.#inFlight.get(tool) ?? 1) - 1;
        if (left > 0) this.#inFlight.set(tool, left);
        else this.#inFlight.delete(tool);
      }
      this.#untargeted.delete(claim);
      this.#askHeldBackAgain();
    }
  }

  /** Whether a claim for this worker's free slot may find something. */
  mayHaveWork(connection: WorkerConnection): boolean {
    return (
      this.oldTasksWaiting ||
      this.hints.mayHaveWorkFor(
        connection.worker_id,
        connection.capacity.tools,
        (tool) => this.#inFlight.get(tool) ?? 0,
      )
    );
  }

  /** The worker skipped its claim: ask it again when a claim ends, if tasks for it are heard of at all. */
  holdBack(connection: WorkerConnection): void {
    if (this.hints.anyFor(connection.capacity.tools)) this.#heldBack.add(connection);
  }

  /** Waits for the untargeted claims in flight now (and those they set off, a few rounds at most). */
  async claimsLanded(): Promise<void> {
    for (let i = 0; i < LANDING_ROUNDS && this.#untargeted.size > 0; i++) {
      await Promise.allSettled([...this.#untargeted]);
    }
  }

  #askHeldBackAgain(): void {
    if (this.#heldBack.size === 0) return;
    const again = [...this.#heldBack];
    this.#heldBack.clear();
    for (const connection of again) this.#askAgain(connection);
  }
}
