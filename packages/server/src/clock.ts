/** Time comes from here, never from `new Date()` in engine code, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What `Timers.setTimeout` hands back, only to give to `clearTimeout`. */
export type TimerHandle = object;

/**
 * Work deferred by the clock's time: the system's timers in the server, a manual port in tests (moved
 * with their clock), so engine parts that wait never make a test sleep. A pending timer never keeps the
 * process alive.
 */
export interface Timers {
  /** `run` may return a promise: a manual port lets a test await what the timers it fired set off. */
  setTimeout(run: () => unknown, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemTimers: Timers = {
  setTimeout: (run, ms) => setTimeout(run, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};
