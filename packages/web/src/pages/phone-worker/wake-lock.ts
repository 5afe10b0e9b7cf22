// Keeps the screen on while the phone works (Screen Wake Lock API). The browser releases the lock whenever
// the page is hidden, so it is asked for again each time the page comes back.
import { createStore } from "../../api/store.ts";

export type WakeLockState = "held" | "released" | "unsupported" | "refused";

export function screenWakeLock() {
  const state = createStore<WakeLockState>("released");
  let sentinel: WakeLockSentinel | null = null;
  let wanted = false;

  async function acquire(): Promise<void> {
    if (!("wakeLock" in navigator)) return state.set("unsupported");
    if (sentinel || document.visibilityState !== "visible") return;
    try {
      sentinel = await navigator.wakeLock.request("screen");
      sentinel.addEventListener("release", () => {
        sentinel = null;
        state.set("released");
      });
      state.set("held");
    } catch {
      // Low power mode, a permissions policy, or no user gesture yet.
      state.set("refused");
    }
  }

  const onVisibility = () => {
    if (wanted) void acquire();
  };

  return {
    state,
    hold(): void {
      wanted = true;
      document.addEventListener("visibilitychange", onVisibility);
      void acquire();
    },
    release(): void {
      wanted = false;
      document.removeEventListener("visibilitychange", onVisibility);
      void sentinel?.release();
      sentinel = null;
      state.set("released");
    },
  };
}
