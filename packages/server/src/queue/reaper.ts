// The lease reaper: marks silent workers offline, re-queues (or fails) tasks whose lease ran out, and
// times out tasks running past their timeout. Every UPDATE is guarded and claims rows with SKIP LOCKED,
// so each replica may run it at once without doing anything twice.
//
// Store outages. While the store cannot be reached no heartbeat is recorded, so right after it returns every
// worker looks silent and every lease looks run out. The reaper tracks this itself, from its own passes:
//
//   healthy ──a pass fails, store unreachable──▶ outage (began at the last good pass)
//   outage ──the first pass that reaches the store──▶ grace ──its end──▶ healthy
//
// Entering grace stretches every held lease to at least now + max(outage length, one lease) and marks no
// worker offline before then, exactly as after a restart (restart-grace.ts). A lease held across the outage
// that still runs out before the grace ends plus one lease length is excused: re-queued at once without
// counting the attempt (queries.ts expireLeases), because its holder could not report — a workflow node's
// task (max_attempts 1) is then run again instead of failing its node. Each task is excused once per outage.
import { publish } from "../bus/channels.ts";
import { isStoreUnavailable } from "../db/unavailable.ts";
import type { Resources } from "../resources.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import { announceQueued } from "../tasks/service.ts";
import { extendHeldLeases } from "./restart-grace.ts";
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
  const leaseMs = leaseSeconds(config) * 1000;
  // After a (re)start, workers get one lease length to reconnect before their silence counts
  // (restart-grace.ts): no worker is marked offline, and leases held at start are stretched in start().
  // A store outage moves it later (see the header).
  let graceUntil = new Date(resources.clock.now().getTime() + leaseMs);
  let lastGoodPassAt: Date | null = null;
  let outageSince: Date | null = null;
  /** Tasks whose lease was held across the last outage, and until when their expiry is excused. */
  let excused = new Set<string>();
  let excusedUntil = new Date(0);

  async function runOnce(now: Date): Promise<ReaperPass> {
    try {
      if (outageSince) await endOutage(outageSince, now);
      const pass = await sweep(now);
      lastGoodPassAt = now;
      return pass;
    } catch (error) {
      if (!outageSince && isStoreUnavailable(error)) outageSince = lastGoodPassAt ?? now;
      throw error;
    }
  }

  async function endOutage(since: Date, now: Date): Promise<void> {
    const outageMs = Math.max(0, now.getTime() - since.getTime());
    const until = new Date(now.getTime() + Math.max(outageMs, leaseMs));
    const held = await extendHeldLeases(db, until);
    if (until > graceUntil) graceUntil = until;
    excused = new Set(held);
    excusedUntil = new Date(until.getTime() + leaseMs);
    outageSince = null;
    log.warn(
      { outage_seconds: Math.round(outageMs / 1000), leases_held: held.length, grace_until: until.toISOString() },
      "store reachable again: held leases stretched, no worker marked offline until the grace ends",
    );
  }

  async function sweep(now: Date): Promise<ReaperPass> {
    const cutoff = new Date(now.getTime() - MISSED_HEARTBEATS_UNTIL_OFFLINE * config.heartbeatIntervalSeconds * 1000);
    const offline = now < graceUntil ? [] : await markSilentWorkersOffline(db, cutoff, now);
    for (const worker of offline) {
      await publish(resources.bus, "worker.updated", { ...worker, status: "offline" });
    }

    let leasesExpired = 0;
    for (;;) {
      if (excused.size > 0 && now > excusedUntil) excused = new Set();
      const rows = await expireLeases(db, now, BATCH, [...excused]);
      leasesExpired += rows.length;
      for (const row of rows) {
        excused.delete(row.task_id);
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
      await extendHeldLeases(db, graceUntil);
      // Twice per heartbeat interval: a lease is three intervals long, so expiry is noticed well in time.
      const everyMs = Math.max(500, (config.heartbeatIntervalSeconds * 1000) / 2);
      timer = setInterval(() => {
        if (running) return;
        const outageKnown = outageSince !== null;
        running = runOnce(resources.clock.now())
          .catch((error: unknown) => {
            // One line per outage, not one per pass: the passes keep failing until the store is back.
            if (outageKnown && isStoreUnavailable(error)) return;
            log.error({ err: error }, "lease reaper pass failed");
          })
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
