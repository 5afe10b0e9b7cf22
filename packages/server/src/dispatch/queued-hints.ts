// What this replica has heard is queued: `task.queued` hints not yet followed by a `task.updated` that
// took the task out of `queued`. Only a hint to skip claims that cannot succeed: a task it never heard of
// (a retry's backoff ending, a lost bus message, one queued before this replica started) is the sweep's.
//
// It may err towards "there may be work" (an entry for a task deleted without a bus message costs an empty
// claim, until `forgetHeardBefore` drops it), never towards "nothing": an entry leaves only when the bus
// says the task left `queued`, or when the sweep's own query found no queued task old enough to be it.

interface Heard {
  tools: readonly string[];
  pinnedWorkerId: string | null;
  heardAt: number;
}

export class QueuedHints {
  readonly #tasks = new Map<string, Heard>();
  /**
   * Unpinned entries per tool (a task with several tools counts under each: erring towards "may have
   * work"), and pinned entries per worker: what `mayHaveWorkFor` reads.
   */
  readonly #byTool = new Map<string, number>();
  readonly #byPinnedWorker = new Map<string, number>();

  heard(task: { task_id: string; tools: readonly string[]; pinned_worker_id: string | null }, nowMs: number): void {
    if (this.#tasks.has(task.task_id)) return;
    const entry: Heard = { tools: task.tools, pinnedWorkerId: task.pinned_worker_id, heardAt: nowMs };
    this.#tasks.set(task.task_id, entry);
    this.#countEntry(entry, 1);
  }

  /** The task is no longer queued (claimed, cancelled, finished). */
  left(taskId: string): void {
    const entry = this.#tasks.get(taskId);
    if (!entry) return;
    this.#tasks.delete(taskId);
    this.#countEntry(entry, -1);
  }

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /**
   * Whether a task heard of may be left for this worker: one pinned to it, or more tasks for one of its
   * tools than the claims in flight for that tool are about to take.
   */
  mayHaveWorkFor(workerId: string, tools: ReadonlySet<string>, claimsInFlight: (tool: string) => number): boolean {
    if (this.#byPinnedWorker.has(workerId)) return true;
    for (const tool of tools) if ((this.#byTool.get(tool) ?? 0) > claimsInFlight(tool)) return true;
    return false;
  }

  /** Whether any task heard of is for one of these tools, whoever is claiming it. */
  anyFor(tools: ReadonlySet<string>): boolean {
    for (const tool of tools) if (this.#byTool.has(tool)) return true;
    return false;
  }

  forgetHeardBefore(cutoffMs: number): void {
    for (const [taskId, entry] of this.#tasks) if (entry.heardAt < cutoffMs) this.left(taskId);
  }

  get size(): number {
    return this.#tasks.size;
  }

  #countEntry(entry: Heard, delta: number): void {
    if (entry.pinnedWorkerId !== null) this.#count(entry.pinnedWorkerId, true, delta);
    else for (const tool of entry.tools) this.#count(tool, false, delta);
  }

  #count(key: string, pinned: boolean, delta: number): void {
    const counts = pinned ? this.#byPinnedWorker : this.#byTool;
    const next = (counts.get(key) ?? 0) + delta;
    if (next > 0) counts.set(key, next);
    else counts.delete(key);
  }
}
