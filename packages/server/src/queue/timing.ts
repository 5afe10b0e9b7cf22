// How long things last in the queue: leases, retry backoff, and when a worker counts as gone.
import { type SQL, sql } from "drizzle-orm";
import type { ServerConfig } from "../config.ts";

/** A worker silent for this many heartbeat intervals is offline, and its leases expire. */
export const MISSED_HEARTBEATS_UNTIL_OFFLINE = 3;

/** A lease outlives two lost heartbeats, so one slow network moment does not re-queue a task. */
export function leaseSeconds(config: Pick<ServerConfig, "heartbeatIntervalSeconds">): number {
  return MISSED_HEARTBEATS_UNTIL_OFFLINE * config.heartbeatIntervalSeconds;
}

export const RETRY_BASE_SECONDS = 5;
export const RETRY_MAX_SECONDS = 600;

/** Delay before attempt `attempt + 1` after attempt `attempt` failed: 5 s, 10 s, 20 s … capped at 10 min. */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(RETRY_BASE_SECONDS * 2 ** Math.max(attempt - 1, 0), RETRY_MAX_SECONDS);
}

/** `retryDelaySeconds` in SQL over the updated row's `tasks.attempt`, for set-based updates. */
export function retryAvailableAtSql(now: Date): SQL {
  return sql`${now.toISOString()}::timestamptz + least(${RETRY_BASE_SECONDS} * power(2, greatest(tasks.attempt - 1, 0)), ${RETRY_MAX_SECONDS}) * interval '1 second'`;
}
