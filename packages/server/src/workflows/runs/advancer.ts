// The workflow advancer: takes a step of every run that has work waiting. A `task.updated` for a run's
// task that finished marks the run dirty at once, and so does one for a task picked up (assigned, running)
// while the run may still be pending; a periodic scan of the database (due retries, finished tasks not yet
// settled, picked-up tasks of runs not begun) catches whatever the bus lost or a restart interrupted, so a
// lost hint only delays.
// Steps of one process run one at a time; other replicas' steps are kept apart by the run's version guard.
import { subscribe } from "../../bus/channels.ts";
import type { Resources } from "../../resources.ts";
import { advanceRun } from "./advance.ts";
import { findRunsNeedingWork } from "./queries.ts";

const FINISHED = new Set(["completed", "failed", "cancelled", "timed_out"]);
const PICKED_UP = new Set(["assigned", "running"]);
const SCAN_BATCH = 500;
/** Runs this process saw begun: a pickup of their tasks needs no step (a run never goes back to pending). */
const BEGUN_CACHE_SIZE = 10_000;

export interface Advancer {
  /** Marks a run as having work; it is stepped soon. */
  kick(runId: string): void;
  /** Scans for runs needing work at `now` and steps each, then whatever got dirty meanwhile. Returns how many steps ran. */
  runOnce(now?: Date): Promise<number>;
  /** Resolves when no step is queued or running. */
  idle(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface AdvancerOptions {
  scanIntervalMs?: number;
}

export function createAdvancer(resources: Resources, options: AdvancerOptions = {}): Advancer {
  const { log, clock } = resources;
  const scanIntervalMs = options.scanIntervalMs ?? 2000;
  const dirty = new Set<string>();
  let draining: Promise<number> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let scanning: Promise<unknown> | null = null;
  let unsubscribe: (() => Promise<void>) | null = null;
  let stopped = false;
  const begun = new Set<string>();

  async function stepRun(runId: string): Promise<void> {
    try {
      const row = await advanceRun(resources, runId);
      if (row?.started_at && !begun.has(runId)) {
        if (begun.size >= BEGUN_CACHE_SIZE) begun.delete(begun.values().next().value!);
        begun.add(runId);
      }
    } catch (error) {
      // The run stays as it was; the next scan tries again.
      log.error({ err: error, run_id: runId }, "workflow run step failed");
    }
  }

  /** Steps dirty runs one after another until none is left. */
  function drain(): Promise<number> {
    if (draining) return draining;
    draining = (async () => {
      let steps = 0;
      while (dirty.size > 0 && !stopped) {
        const runId = dirty.values().next().value!;
        dirty.delete(runId);
        await stepRun(runId);
        steps += 1;
      }
      return steps;
    })().finally(() => {
      draining = null;
    });
    return draining;
  }

  function kick(runId: string) {
    dirty.add(runId);
    void drain();
  }

  async function runOnce(now = clock.now()): Promise<number> {
    let steps = 0;
    for (;;) {
      const runIds = await findRunsNeedingWork(resources.db, now, SCAN_BATCH);
      for (const runId of runIds) dirty.add(runId);
      // A drain already under way takes these too; wait for it and for one of our own.
      if (draining) steps += await draining;
      steps += await drain();
      if (runIds.length < SCAN_BATCH) break;
    }
    return steps;
  }

  return {
    kick,
    runOnce,
    async idle() {
      while (draining) await draining;
    },
    async start() {
      unsubscribe = await subscribe(resources.bus, "task.updated", (message) => {
        if (!message.run_id) return;
        if (FINISHED.has(message.status) || (PICKED_UP.has(message.status) && !begun.has(message.run_id))) {
          kick(message.run_id);
        }
      });
      const scan = () => {
        if (stopped) return;
        scanning = runOnce()
          .catch((error: unknown) => log.error({ err: error }, "workflow advancer scan failed"))
          .finally(() => {
            scanning = null;
            if (!stopped) timer = setTimeout(scan, scanIntervalMs).unref();
          });
      };
      // At once: runs interrupted by a restart continue without waiting for a hint.
      scan();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await unsubscribe?.();
      await scanning;
      while (draining) await draining;
    },
  };
}
