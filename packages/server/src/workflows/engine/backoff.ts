// Retry delays: exponential, capped, with "equal jitter" (half fixed, half random) so a burst of
// failures does not retry in lockstep, yet no retry comes sooner than half its step.
export interface BackoffOptions {
  base_ms: number;
  max_ms: number;
}

export const defaultBackoff: BackoffOptions = { base_ms: 2_000, max_ms: 5 * 60_000 };

/** Delay before attempt `attempt + 1`, after `attempt` failed ones (attempt ≥ 1); `random` in [0, 1). */
export function retryDelay(attempt: number, random: () => number, options: BackoffOptions = defaultBackoff): number {
  const step = Math.min(options.max_ms, options.base_ms * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + (step / 2) * random());
}
