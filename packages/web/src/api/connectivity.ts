// Whether the server answers. A failed request flips it to unreachable; a /health poll flips it back.
import { createStore } from "./store.ts";

export const serverReachable = createStore(true);

const reconnectListeners = new Set<() => void>();
let polling = false;

/** Called once the server answers again, e.g. to refetch everything that failed meanwhile. */
export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

export function markReachable(): void {
  if (serverReachable.get()) return;
  serverReachable.set(true);
  for (const listener of reconnectListeners) listener();
}

export function markUnreachable(): void {
  serverReachable.set(false);
  if (!polling) void pollUntilReachable();
}

async function pollUntilReachable(): Promise<void> {
  polling = true;
  let delay = 1000;
  try {
    while (!serverReachable.get()) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
      try {
        const response = await fetch("/health", { cache: "no-store" });
        if (response.ok) markReachable();
      } catch {
        // Still down: try again after the next delay.
      }
    }
  } finally {
    polling = false;
  }
}
