// Whether a failed Claude Code run ended on a limit, and when it resets. Structured signals first: the
// `rate_limit_event` the CLI emits when signed in to a subscription or gateway (status "rejected", resetsAt
// in epoch seconds), then the API error fields of the result (429, billing). Text second: "You've hit your
// 5-hour limit · resets 12:23pm (UTC)" (2.1.x) and "Claude AI usage limit reached|<epoch>" (older CLIs).
import type { ToolLimit } from "@garageswarm/protocol";
import { numberField, stringField } from "./result.ts";
import { instantOf, isTimeZone, monthIndex, wallClock } from "./zoned-time.ts";

type Json = Record<string, unknown>;

/** What a run's stream said about limits (see claude-code.ts). */
export interface ClaudeLimitSignals {
  /** `rate_limit_info` of the last `rate_limit_event`. */
  rateLimit: Json | null;
  /** The `result` event. */
  result: Json | null;
  /** The last `system`/`api_retry` event: the CLI's wait before its last retry. */
  lastRetry: Json | null;
  /** `error` of the CLI's synthetic assistant message: "rate_limit", "billing_error", "authentication_failed"… */
  apiError: string | null;
}

export function classifyClaudeLimit(signals: ClaudeLimitSignals, now = new Date()): ToolLimit | null {
  const { rateLimit, result, lastRetry, apiError } = signals;
  const text = stringField(result, "result") ?? "";

  if (stringField(rateLimit, "status") === "rejected" || stringField(result, "api_error") === "usage_limit_reached") {
    const resetsAt = numberField(rateLimit, "resetsAt");
    const window = stringField(rateLimit, "rateLimitType");
    return {
      kind: "usage_limit",
      resets_at: resetsAt > 0 ? new Date(resetsAt * 1000).toISOString() : resetFromText(text, now),
      message: text || `Claude usage limit reached${window ? ` (${window})` : ""}`,
    };
  }
  const legacy = /Claude AI usage limit reached\|(\d{9,})/.exec(text);
  if (legacy) {
    return { kind: "usage_limit", resets_at: new Date(Number(legacy[1]) * 1000).toISOString(), message: text };
  }
  if (/hit your (?:[\w-]+ )?limit/i.test(text)) {
    return { kind: "usage_limit", resets_at: resetFromText(text, now), message: text };
  }
  if (apiError === "billing_error" || /credit balance is too low/i.test(text)) {
    return { kind: "quota", resets_at: null, message: text || "Claude credit balance is too low" };
  }
  if (numberField(result, "api_error_status") === 429 || apiError === "rate_limit") {
    // The CLI surfaces no retry-after of its last 429; its last wait (retry-after plus jitter, or backoff)
    // is the best estimate of how long the limit lasts.
    const waitMs = numberField(lastRetry, "retry_delay_ms");
    return {
      kind: "rate_limit",
      resets_at: waitMs > 0 ? new Date(now.getTime() + waitMs).toISOString() : null,
      message: text || "Claude API rate limit",
    };
  }
  return null;
}

/**
 * Reads "resets 8pm (Europe/Berlin)", "resets 12:23pm (UTC)" or "resets Dec 10, 11:25am (UTC)": the next
 * such wall-clock time in that zone after `now`, as an ISO datetime; null when the text says none.
 */
export function resetFromText(text: string, now = new Date()): string | null {
  const match =
    /resets\s+(?:([A-Za-z]{3})[a-z]*\s+(\d{1,2}),?\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\s*\(([^)]+)\)/i.exec(text);
  if (!match) return null;
  const [, monthName, dayText, hourText, minuteText, half, zone] = match;
  if (!isTimeZone(zone!)) return null;
  const hour = (Number(hourText) % 12) + (half!.toLowerCase() === "pm" ? 12 : 0);
  const minute = Number(minuteText ?? 0);
  const today = wallClock(now.getTime(), zone!);
  const month = monthName ? monthIndex(monthName) : today.month;
  if (month < 0) return null;
  const day = dayText ? Number(dayText) : today.day;
  for (const step of [0, 1]) {
    const candidate = monthName
      ? instantOf({ year: today.year + step, month, day, hour, minute }, zone!)
      : instantOf({ year: today.year, month, day: day + step, hour, minute }, zone!);
    if (candidate > now.getTime()) return new Date(candidate).toISOString();
  }
  return null;
}
