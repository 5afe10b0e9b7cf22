// Finished attempts' reports, kept until the server has them. Each report is written to
// <stateDir>/outbox before the first send and deleted once the server acknowledged it or fenced it off
// (a stale attempt, a task that ended elsewhere), so neither a lost connection nor a restarted worker
// loses a result. Delivery retries with backoff and starts over at once when a connection comes back.
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Backoff, sleep } from "./backoff.ts";
import type { WorkerLog } from "./log.ts";
import { Report } from "./report.ts";

export { Report } from "./report.ts";

/** `delivered`: the server stored it; `fenced`: it never will (stale or finished) — both end the report. */
export type DeliveryOutcome = "delivered" | "fenced";
/** Sends one report; throws when it is worth trying again (no connection, server error). */
export type Deliver = (report: Report) => Promise<DeliveryOutcome>;

export class Outbox {
  private readonly inFlight = new Map<string, Promise<void>>();
  private wake = new AbortController();
  private readonly stopped = new AbortController();

  constructor(
    private readonly dir: string,
    private readonly deliver: Deliver,
    private readonly log: WorkerLog,
  ) {}

  get size(): number {
    return this.inFlight.size;
  }

  /** Stores the report, then delivers it in the background. Resolves once it is on disk. */
  async add(report: Report): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.fileOf(report);
    await writeFile(`${file}.tmp`, JSON.stringify(report), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
    this.schedule(report);
  }

  /** Delivers the reports a previous run of this worker left behind. */
  async resumePending(): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let count = 0;
    for (const name of names.filter((entry) => entry.endsWith(".json"))) {
      try {
        const report = Report.parse(JSON.parse(await readFile(join(this.dir, name), "utf8")));
        this.schedule(report);
        count += 1;
      } catch (error) {
        this.log.warn(`outbox: ignoring unreadable ${name}: ${(error as Error).message}`);
      }
    }
    return count;
  }

  /** A connection came back: retry every waiting report now instead of after its backoff. */
  retryNow(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  /** Resolves when every report was delivered or fenced, or when `deadlineMs` passes. True when empty. */
  async flush(deadlineMs: number): Promise<boolean> {
    const deadline = sleep(deadlineMs, this.stopped.signal).then(() => false);
    const all = (async () => {
      while (this.inFlight.size > 0) await Promise.all(this.inFlight.values());
      return true;
    })();
    return Promise.race([all, deadline]);
  }

  /** Stops retrying; undelivered reports stay on disk for the next start. */
  stop(): void {
    this.stopped.abort();
    this.retryNow();
  }

  private schedule(report: Report): void {
    const file = this.fileOf(report);
    if (this.inFlight.has(file)) return;
    const run = this.deliverUntilDone(report, file).finally(() => this.inFlight.delete(file));
    this.inFlight.set(file, run);
  }

  private async deliverUntilDone(report: Report, file: string): Promise<void> {
    const backoff = new Backoff({ initialMs: 250, maxMs: 15_000 });
    while (!this.stopped.signal.aborted) {
      try {
        const outcome = await this.deliver(report);
        if (outcome === "fenced") {
          this.log.info(`task ${report.task_id}: the server no longer takes this attempt's ${report.kind}; dropped`);
        }
        await rm(file, { force: true });
        return;
      } catch (error) {
        const delay = backoff.next();
        this.log.warn(`task ${report.task_id}: ${report.kind} not delivered (${(error as Error).message}); retrying`);
        await sleep(delay, AbortSignal.any([this.wake.signal, this.stopped.signal]));
      }
    }
  }

  private fileOf(report: Report): string {
    return join(this.dir, `${report.task_id}.${report.attempt_token}.json`);
  }
}
