// The worker's two clocks. Every delay, deadline and back-off is measured on the monotonic one: it never jumps
// when the wall clock is set, and it does not run while the machine sleeps, so a wake does not make every
// timer due at once. The wall clock is for instants other machines name (a limit that resets at 19:00).
export interface WorkerClock {
  /** Milliseconds on a clock that only moves forward (performance.now): for durations. */
  monotonicMs(): number;
  /** Milliseconds since the epoch (Date.now): for instants. */
  wallMs(): number;
}

export const systemClock: WorkerClock = {
  monotonicMs: () => performance.now(),
  wallMs: () => Date.now(),
};
