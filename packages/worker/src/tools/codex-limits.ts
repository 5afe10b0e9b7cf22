// Which Codex failures are limits. Structured signals first: `exec --json` prints none (Codex 0.171), so they
// come from the thread's rollout file (codex-rollout.ts): the turn's `codex_error_info` and the rate-limit
// snapshot of the ChatGPT backend's x-codex-* headers. Then the message of `turn.failed`, which is Codex's
// own (codex-rs protocol error.rs) whatever the provider said:
//   usage window (a 429 whose body has `type: "usage_limit_reached"`, ChatGPT plans):
//     "You’ve hit your usage limit. … try again at 3:04 PM." / "… Try again at Dec 8th, 2026 3:04 PM."
//     / "… Try again later." (the time in the CLI's local time zone, to the minute)
//   exhausted quota (`insufficient_quota`, as a 429 or in the stream): "Quota exceeded. Check your plan …"
//   rate limit it gave up on: "exceeded retry limit, last status: 429 Too Many Requests" (HTTP) or
//     "rate limit exceeded: … Please try again in 2.4s." (in the stream)
import type { ToolLimit } from "@garageswarm/protocol";
import type { RolloutSignals } from "./codex-rollout.ts";
import { instantOf, isTimeZone, monthIndex, wallClock } from "./zoned-time.ts";

export interface LimitContext {
  now: Date;
  /** The CLI's time zone (its TZ), in which it prints reset times; undefined for this machine's. */
  timeZone?: string;
  signals?: RolloutSignals | null;
}

/** The limit a Codex failure names, or null when it names none. */
export function codexLimitOf(message: string, { now, timeZone, signals }: LimitContext): ToolLimit | null {
  const info = signals?.errorInfo;
  if (info === "rate_limit_exceeded" || failedAttemptsStatus(info) === 429) return rateLimit(message, now);
  if (info === "usage_limit_exceeded") {
    // Codex files three errors under this: a usage window, an exhausted quota, and a plan without Codex.
    if (/^Quota exceeded\b/i.test(message)) return { kind: "quota", resets_at: null, message };
    // "To use Codex with your ChatGPT plan, upgrade to Plus": nothing resets, waiting cannot help.
    if (/^To use Codex with your ChatGPT plan/i.test(message)) return null;
    const resetsAt = windowReset(signals?.rateLimits, now) ?? resetOf(message, now, timeZone);
    return { kind: "usage_limit", resets_at: resetsAt, message };
  }
  if (/hit your usage limit/i.test(message)) {
    return { kind: "usage_limit", resets_at: resetOf(message, now, timeZone), message };
  }
  if (/^Quota exceeded\b/i.test(message) || /insufficient_quota/.test(message)) {
    return { kind: "quota", resets_at: null, message };
  }
  if (/exceeded retry limit, last status: 429\b/i.test(message) || /^rate limit exceeded\b/i.test(message)) {
    return rateLimit(message, now);
  }
  return null;
}

function rateLimit(message: string, now: Date): ToolLimit {
  const seconds = /try again in (\d+(?:\.\d+)?)\s*s\b/i.exec(message);
  const resetsAt = seconds ? new Date(now.getTime() + Math.ceil(Number(seconds[1])) * 1000).toISOString() : null;
  return { kind: "rate_limit", resets_at: resetsAt, message };
}

/** `{"response_too_many_failed_attempts": {"http_status_code": 429}}`: the status Codex gave up on. */
function failedAttemptsStatus(info: unknown): number | undefined {
  const attempts = (info as { response_too_many_failed_attempts?: { http_status_code?: unknown } } | null)
    ?.response_too_many_failed_attempts;
  return typeof attempts?.http_status_code === "number" ? attempts.http_status_code : undefined;
}

/** When the full windows of a rate-limit snapshot (used_percent >= 100) reset: the latest of them. */
function windowReset(rateLimits: Record<string, unknown> | undefined, now: Date): string | null {
  let latest = 0;
  for (const window of Object.values(rateLimits ?? {})) {
    const { used_percent: used, resets_at: resetsAt } = (window ?? {}) as {
      used_percent?: unknown;
      resets_at?: unknown;
    };
    if (typeof used !== "number" || used < 100 || typeof resetsAt !== "number") continue;
    if (resetsAt * 1000 > now.getTime()) latest = Math.max(latest, resetsAt * 1000);
  }
  return latest > 0 ? new Date(latest).toISOString() : null;
}

/**
 * "try again at 3:04 PM" (today) or "try again at Dec 8th, 2026 3:04 PM", in the CLI's time zone: the
 * instant, a minute late, since the message drops the seconds and the tool must not be retried early.
 */
function resetOf(message: string, now: Date, timeZone: string | undefined): string | null {
  const match = /try again at (?:([A-Z][a-z]{2}) (\d{1,2})(?:st|nd|rd|th), (\d{4}) )?(\d{1,2}):(\d{2}) ([AP]M)/i.exec(
    message,
  );
  if (!match) return null;
  const [, monthName, dayText, yearText, hourText, minuteText, meridiem] = match;
  const zone = validZone(timeZone);
  const today = wallClock(now.getTime(), zone);
  const month = monthName ? monthIndex(monthName) : today.month;
  if (month < 0) return null;
  const hour = (Number(hourText) % 12) + (meridiem!.toUpperCase() === "PM" ? 12 : 0);
  const wall = {
    year: yearText ? Number(yearText) : today.year,
    month,
    day: dayText ? Number(dayText) : today.day,
    hour,
    minute: Number(minuteText),
  };
  return new Date(instantOf(wall, zone) + 60_000).toISOString();
}

/** A zone Intl knows, from a TZ value (`Europe/Berlin`, `:Europe/Berlin`); undefined for the default zone. */
function validZone(timeZone: string | undefined): string | undefined {
  const name = timeZone?.replace(/^:/, "").trim();
  // A POSIX rule like "CET-1CEST" is no IANA name: the C library reads it, Intl does not. Use the default.
  return name && isTimeZone(name) ? name : undefined;
}
