// One job at a time per key (the dispatcher's key is a worker), in the order they were asked for; jobs of
// different keys run side by side. A key's chain is dropped once it runs dry, so idle workers cost nothing.
// Kept here rather than a p-limit/p-queue per key: those need the same map and the same drop-when-idle
// step around them, which is most of these lines.
export class KeyedSerial {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `job` after every job asked for earlier under `key` has settled; a failed job does not stop the next. */
  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const next = previous.then(job, job);
    const settled = next.catch(() => {});
    this.#tails.set(key, settled);
    void settled.then(() => {
      if (this.#tails.get(key) === settled) this.#tails.delete(key);
    });
    return next;
  }

  /** Resolves once the jobs asked for so far have all settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#tails.values()]);
  }
}
