// Long-poll waiters. One bus subscription per process; a `task.queued` hint wakes the waiters whose
// worker could run it, and they race to claim (losers wait again). Nothing busy-loops.
import type { Bus } from "../bus/bus.ts";
import { type BusMessages, subscribe } from "../bus/channels.ts";

interface Waiter {
  workerId: string;
  tools: ReadonlySet<string>;
  wake: () => void;
}

export interface WakeupRegistration {
  wait(ms: number, signal: AbortSignal): Promise<void>;
  /** Drops the registration without waiting (the claim succeeded). */
  release(): void;
}

export interface Wakeups {
  /**
   * Registers interest before the caller's claim attempt (so a task created in between is not missed);
   * `wait` then resolves on a matching hint, after `ms`, or on abort — whichever comes first.
   */
  register(workerId: string, tools: Iterable<string>): WakeupRegistration;
  close(): Promise<void>;
}

export async function createWakeups(bus: Bus): Promise<Wakeups> {
  const waiters = new Set<Waiter>();
  const unsubscribe = await subscribe(bus, "task.queued", (message: BusMessages["task.queued"]) => {
    for (const waiter of waiters) {
      if (!message.tools.some((tool) => waiter.tools.has(tool))) continue;
      if (message.pinned_worker_id && message.pinned_worker_id !== waiter.workerId) continue;
      waiter.wake();
    }
  });

  return {
    register(workerId, tools) {
      let woken = false;
      let resolveWait: (() => void) | null = null;
      const waiter: Waiter = {
        workerId,
        tools: new Set(tools),
        wake: () => {
          woken = true;
          resolveWait?.();
        },
      };
      waiters.add(waiter);
      return {
        release: () => {
          waiters.delete(waiter);
        },
        wait: (ms, signal) =>
          new Promise<void>((resolve) => {
            const finish = () => {
              clearTimeout(timer);
              signal.removeEventListener("abort", finish);
              waiters.delete(waiter);
              resolve();
            };
            const timer = setTimeout(finish, ms);
            signal.addEventListener("abort", finish);
            resolveWait = finish;
            if (woken || signal.aborted) finish();
          }),
      };
    },
    close: async () => {
      for (const waiter of waiters) waiter.wake();
      waiters.clear();
      await unsubscribe();
    },
  };
}
