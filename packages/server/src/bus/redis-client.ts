// Every ioredis client of the server goes through here, so a Redis outage is one warning in the server's
// log (and one line when it is back), never ioredis' raw "Unhandled error event" trace per reconnect try.
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

/** A Redis client that logs its outages through `log`, once each: when it first fails, and when it is back. */
export function createRedisClient(url: string, options: RedisOptions, log: Logger, role: string): Redis {
  const client = new Redis(url, options);
  let down = false;
  client.on("error", (error: Error) => {
    if (down) return;
    down = true;
    log.warn({ err: error, redis: role }, "redis unreachable; retrying in the background");
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    log.info({ redis: role }, "redis reachable again");
  });
  return client;
}

/** ioredis' ways of saying Redis cannot be reached (no offline queue, a command timeout, a closed connection). */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (
    error.name === "MaxRetriesPerRequestError" ||
    /stream isn't writeable|command timed out|connection is closed/i.test(error.message)
  );
}
