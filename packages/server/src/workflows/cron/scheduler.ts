// The cron scheduler: on every pass, each active scheduled workflow fires its due occurrence (occurrence.ts)
// as a run keyed by (workflow_id, occurrence_key). The unique index on that pair lets any number of
// replicas pass at once: the first insert wins, the others insert nothing. No leader, no lock.
import type { Schedule } from "@garageswarm/protocol";
import type { Resources } from "../../resources.ts";
import { listScheduledWorkflows } from "../runs/queries.ts";
import { startRun } from "../runs/start.ts";
import { startFailedRun } from "./failed-run.ts";
import { dueOccurrence, occurrenceKey } from "./occurrence.ts";

export interface Scheduler {
  /** Fires every occurrence due at `now`; returns how many runs this call started. */
  runOnce(now?: Date): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createScheduler(resources: Resources, options: { intervalMs?: number } = {}): Scheduler {
  const { db, log, clock } = resources;
  const intervalMs = options.intervalMs ?? 10_000;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  async function runOnce(now = clock.now()): Promise<number> {
    let started = 0;
    for (const workflow of await listScheduledWorkflows(db)) {
      // The schedule counts from the workflow's last change, so a new or edited schedule fires nothing from before it.
      const occurrence = dueOccurrence(workflow.schedule as Schedule, now, workflow.updated_at);
      if (!occurrence) continue;
      const key = occurrenceKey(occurrence);
      try {
        const run = await startRun(resources, {
          workflow,
          userId: workflow.user_id,
          trigger: "schedule",
          occurrenceKey: key,
        });
        if (run) started += 1;
      } catch (error) {
        // A run that cannot start (no eligible worker for a fan-out) is recorded as failed, so the
        // occurrence is used up and the user sees why.
        log.warn({ err: error, workflow_id: workflow.workflow_id }, "scheduled run could not start");
        if (await startFailedRun(resources, workflow, key, (error as Error).message)) started += 1;
      }
    }
    return started;
  }

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(() => {
        if (running) return;
        running = runOnce()
          .catch((error: unknown) => log.error({ err: error }, "cron scheduler pass failed"))
          .finally(() => {
            running = null;
          });
      }, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
