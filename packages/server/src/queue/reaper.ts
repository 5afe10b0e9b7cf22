// The lease reaper: marks silent workers offline, re-queues (or fails) tasks whose lease ran out, and
// times out tasks running past their timeout. Every UPDATE is guarded and claims rows with SKIP LOCKED,
// so each replica may run it at once without doing anything twice.
import { publish } from "../bus/channels.ts";
import type { Resources } from "../resources.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import { announceQueued } from "../tasks/service.ts";
import { extendLeasesHeldAtStart } from "./restart-grace.ts";
import { leaseSeconds, MISSED_HEARTBEATS_UNTIL_OFFLINE } from "./timing.ts";
import { expireLeases, timeOutOverdueTasks } from "./transitions/expire.ts";
import { markSilentWorkersOffline } from "./transitions/leases.ts";

/** Rows per statement, so one pass never holds many locks for long; a full batch loops at once. */
const BATCH = 500;
/** A worker may report a timeout itself; the server steps in only after this much longer. */
const TIMEOUT_GRACE_SECONDS = 30;

export interface ReaperPass {
  workersOffline: number;
  leasesExpired: number;
  timedOut: number;
}

export interface Reaper {
  runOnce(now: Date): Promise<ReaperPass>;
  /** Stretches the leases held at start-up (the grace), then passes on an interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createReaper(resources: Resources): Reaper {
  const { db, config, log } = resources;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  // After a (re)start, workers get one lease length to reconnect before their silence counts
  // (restart-grace.ts): no worker is marked offline, and leases held at start are stretched in start().
  const graceUntil = new Date(resources.clock.now().getTime() + leaseSeconds(config) * 1000);

  async function runOnce(now: Date): Promise<ReaperPass> {
    const cutoff = new Date(now.getTime() - MISSED_HEARTBEATS_UNTIL_OFFLINE * config.heartbeatIntervalSeconds * 1000);
    const offline = now < graceUntil ? [] : await markSilentWorkersOffline(db, cutoff, now);
    for (const worker of offline) {
      await publish(resources.bus, "worker.updated", { ...worker, status: "offline" });
    }

    let leasesExpired = 0;
    for (;;) {
      const rows = await expireLeases(db, now, BATCH);
      leasesExpired += rows.length;
      for (const row of rows) {
        if (row.lost_worker_id) {
          // The worker may be alive but cut off: if it ever hears this, it stops the stale attempt.
          await publish(resources.bus, "task.cancel", {
            task_id: row.task_id,
            worker_id: row.lost_worker_id,
            reason: "lease expired",
          });
        }
        await publishTaskUpdated(resources, row);
        if (row.status === "queued") await announceQueued(resources, row);
      }
      if (rows.length < BATCH) break;
    }

    let timedOut = 0;
    for (;;) {
      const rows = await timeOutOverdueTasks(db, now, TIMEOUT_GRACE_SECONDS, BATCH);
      timedOut += rows.length;
      for (const row of rows) {
        if (row.worker_id) {
          await publish(resources.bus, "task.cancel", {
            task_id: row.task_id,
            worker_id: row.worker_id,
            reason: "timed out",
          });
        }
        await publishTaskUpdated(resources, row);
      }
      if (rows.length < BATCH) break;
    }
    return { workersOffline: offline.length, leasesExpired, timedOut };
  }

  return {
    runOnce,
    async start() {
      if (timer) return;
      await extendLeasesHeldAtStart(db, graceUntil);
      // Twice per heartbeat interval: a lease is three intervals long, so expiry is noticed well in time.
      const everyMs = Math.max(500, (config.heartbeatIntervalSeconds * 1000) / 2);
      timer = setInterval(() => {
        if (running) return;
        running = runOnce(resources.clock.now())
          .catch((error: unknown) => log.error({ err: error }, "lease reaper pass failed"))
          .finally(() => {
            running = null;
          });
      }, everyMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
