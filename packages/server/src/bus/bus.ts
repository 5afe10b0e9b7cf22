// The bus carries events between replicas, never truth: a lost message may delay work, never lose it
// (workers also long-poll and leases expire). In-process when embedded; Redis pub/sub with REDIS_URL.
import { EventEmitter } from "node:events";
import { Redis } from "ioredis";

export type BusHandler = (message: unknown) => void;

export interface Bus {
  readonly kind: "memory" | "redis";
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns a function that removes this handler. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export function createMemoryBus(): Bus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: "memory",
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

/** `prefix` namespaces every channel, so several deployments (or test runs) can share one Redis. */
export async function createRedisBus(url: string, prefix = "gs:"): Promise<Bus> {
  const options = { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: true };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const handlers = new Map<string, Set<BusHandler>>();

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
    publish: async (channel, message) => {
      await publisher.publish(prefix + channel, JSON.stringify(message));
    },
    subscribe: async (channel, handler) => {
      const key = prefix + channel;
      let set = handlers.get(key);
      if (!set) {
        set = new Set();
        handlers.set(key, set);
        await subscriber.subscribe(key);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(key);
        if (!current) return;
        current.delete(handler);
        if (current.size === 0) {
          handlers.delete(key);
          await subscriber.unsubscribe(key).catch(() => {});
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
