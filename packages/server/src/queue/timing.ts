// How long things last in the queue: leases, retry backoff, and when a worker counts as gone.
import { type SQL, sql } from "drizzle-orm";
import type { ServerConfig } from "../config.ts";
import { ts } from "../db/store.ts";

/** A worker silent for this many heartbeat intervals is offline, and its leases expire. */
export const MISSED_HEARTBEATS_UNTIL_OFFLINE = 3;

/** A lease outlives two lost heartbeats, so one slow network moment does not re-queue a task. */
export function leaseSeconds(config: Pick<ServerConfig, "heartbeatIntervalSeconds">): number {
  return MISSED_HEARTBEATS_UNTIL_OFFLINE * config.heartbeatIntervalSeconds;
}

/** When a lease handed out or renewed at `now` ends. */
export function leaseExpiresAt(config: Pick<ServerConfig, "heartbeatIntervalSeconds">, now: Date): Date {
  return new Date(now.getTime() + leaseSeconds(config) * 1000);
}

export const RETRY_BASE_SECONDS = 5;
export const RETRY_MAX_SECONDS = 600;

/** Delay before attempt `attempt + 1` after attempt `attempt` failed: 5 s, 10 s, 20 s … capped at 10 min. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(attempt - 1, 0), RETRY_MAX_SECONDS);
}

/**
 * `retryDelaySeconds` in SQL over the updated row's attempts used (those that did not end on a usage
 * limit or a store outage), for set-based updates; `now` is a time, or a column when each row has its own
 * (batched reports).
 */
export function retryAvailableAtSql(now: Date | SQL): SQL {
  const from = now instanceof Date ? ts(now) : now;
  return sql`${from} + least(${RETRY_BASE_SECONDS} * power(2, greatest(tasks.attempt - tasks.limited_attempts - tasks.excused_attempts - 1, 0)), ${RETRY_MAX_SECONDS}) * interval '1 second'`;
}

/** No limit is believed to last longer: a worker that says "resets next year" is clamped to this. */
export const LIMIT_MAX_WAIT_SECONDS = 7 * 24 * 3600;
/** Parked tasks waking at one reset are spread over up to this share of the wait, at most a minute. */
const LIMIT_JITTER_SHARE = 0.1;
const LIMIT_JITTER_MAX_SECONDS = 60;

/**
 * Until when a tool that hit a limit is passed over: the reported reset, no earlier than now and no later
 * than LIMIT_MAX_WAIT_SECONDS from now; without one, `defaultWaitSeconds` from now.
 */
export function limitedUntil(resetsAt: string | null, now: Date, defaultWaitSeconds: number): Date {
  if (resetsAt === null) return new Date(now.getTime() + defaultWaitSeconds * 1000);
  const latest = now.getTime() + LIMIT_MAX_WAIT_SECONDS * 1000;
  return new Date(Math.min(Math.max(new Date(resetsAt).getTime(), now.getTime()), latest));
}

/**
 * When a task waiting for a limit may be claimed again: the reset plus a jitter of up to a tenth of the
 * wait (at most a minute), so the tasks parked by one limit do not all hit the tool in the same second.
 * `random` is in [0, 1).
 */
export function limitWaitUntil(until: Date, now: Date, random: number = Math.random()): Date {
  const waitMs = Math.max(0, until.getTime() - now.getTime());
  const jitterMs = Math.min(waitMs * LIMIT_JITTER_SHARE, LIMIT_JITTER_MAX_SECONDS * 1000) * random;
  return new Date(until.getTime() + Math.floor(jitterMs));
}

/** How often one task may be parked by limits; past it, a limit report fails the attempt like any error. */
export const MAX_PARKS_PER_TASK = 50;
