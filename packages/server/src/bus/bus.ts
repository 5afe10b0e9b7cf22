// The bus carries events between replicas, never truth: a lost message may delay work, never lose it
// (workers also long-poll and leases expire). In-process when embedded; Redis pub/sub with REDIS_URL.
import { EventEmitter } from "node:events";
import type { Logger } from "pino";
import { createRedisClient } from "./redis-client.ts";

export type BusHandler = (message: unknown) => void;

export interface Bus {
  readonly kind: "memory" | "redis";
  /**
   * Never waits on the network: the message leaves in the background, or is dropped (and counted) when the
   * bus is down or backed up. The promise only keeps the call shape; it settles at once and never rejects.
   */
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns a function that removes this handler. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
  /** Messages dropped since start because the bus was down or backed up (garageswarm_bus_messages_dropped_total). */
  readonly droppedMessages: number;
}

export function createMemoryBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: "memory",
    droppedMessages: 0,
    publish: async (channel, message) => {
      // Deliver on a later tick, like a network bus would, so publishers never re-enter subscribers.
      queueMicrotask(() => emitter.emit(channel, message));
    },
    subscribe: async (channel, handler) => {
      emitter.on(channel, handler);
      return async () => {
        emitter.off(channel, handler);
      };
    },
    close: async () => {
      emitter.removeAllListeners();
    },
  };
}

/** At most this many publishes wait on Redis at once; past it the bus is backed up and messages are dropped. */
const MAX_PUBLISHES_IN_FLIGHT = 1000;
/** A publish Redis has not answered by then is dropped: a stopped Redis keeps its socket open and never answers. */
const PUBLISH_TIMEOUT_MS = 2000;
/** While the bus is down, one log line per this long says how many hints were dropped. */
const DROP_LOG_EVERY_MS = 30_000;
/** How long subscribing waits for Redis to confirm before returning anyway (ioredis subscribes when it can). */
const SUBSCRIBE_WAIT_MS = 1000;

/** `prefix` namespaces every channel, so several deployments (or test runs) can share one Redis. */
export async function createRedisBus(url: string, prefix: string, log: Logger): Promise<Bus> {
  // No offline queue on the publisher: while Redis is down a hint is dropped at once rather than queued
  // behind reconnects, so no request, heartbeat or socket message ever waits for it.
  const publisher = createRedisClient(
    url,
    { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: PUBLISH_TIMEOUT_MS },
    log,
    "bus publisher",
  );
  // The subscriber queues its (un)subscribe commands until Redis is back, and ioredis subscribes it again
  // to every channel after a reconnect (autoResubscribe).
  const subscriber = createRedisClient(
    url,
    { lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true },
    log,
    "bus subscriber",
  );
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const handlers = new Map<string, Set<BusHandler>>();
  let inFlight = 0;
  let dropped = 0;
  let droppedUnlogged = 0;
  let lastDropLogAt = Number.NEGATIVE_INFINITY;

  function drop(reason: string): void {
    dropped++;
    droppedUnlogged++;
    const now = Date.now();
    if (now - lastDropLogAt < DROP_LOG_EVERY_MS) return;
    log.warn({ dropped: droppedUnlogged, reason }, "bus messages dropped (hints only: leases and polls cover them)");
    lastDropLogAt = now;
    droppedUnlogged = 0;
  }

  subscriber.on("message", (channel: string, raw: string) => {
    const set = handlers.get(channel);
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    for (const handler of set) handler(message);
  });

  return {
    kind: "redis",
    get droppedMessages() {
      return dropped;
    },
    publish: async (channel, message) => {
      if (publisher.status !== "ready") return drop("redis unreachable");
      if (inFlight >= MAX_PUBLISHES_IN_FLIGHT) return drop("redis not answering");
      inFlight++;
      publisher
        .publish(prefix + channel, JSON.stringify(message))
        .catch((error: Error) => drop(error.message))
        .finally(() => {
          inFlight--;
        });
    },
    subscribe: async (channel, handler) => {
      const key = prefix + channel;
      let set = handlers.get(key);
      if (!set) {
        set = new Set();
        handlers.set(key, set);
        const subscribed = subscriber
          .subscribe(key)
          .catch((error: Error) => log.warn({ err: error, channel: key }, "bus subscribe failed"));
        // Callers rely on hearing messages published after this returns, so wait while Redis answers; while
        // it does not, return anyway: the command waits in ioredis' offline queue.
        if (subscriber.status === "ready") await settledWithin(subscribed, SUBSCRIBE_WAIT_MS);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(key);
        if (!current) return;
        current.delete(handler);
        if (current.size === 0) {
          handlers.delete(key);
          subscriber.unsubscribe(key).catch(() => {});
        }
      };
    },
    close: async () => {
      handlers.clear();
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
