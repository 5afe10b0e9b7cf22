// Limits in the failures of the real Codex 0.171.0: its `exec --json` output and the thread's rollout file,
// recorded as test/fixtures/codex/README.md says, on 2026-12-07 at 11:37:02 UTC with the CLI's zone UTC; then
// the same messages as other zones print them.
import { describe, expect, it } from "vitest";
import { replay, replaySignals } from "../../test/fixtures/codex/replay.ts";
import { codexLimitOf } from "./codex-limits.ts";

const now = new Date("2026-12-07T11:37:02Z");
const failureOf = (fixture: string) => replay(fixture).state.failure ?? "";

describe("codexLimitOf, from the rollout's signals", () => {
  it("a usage window: the reset of the snapshot's full window, to the second", () => {
    // usage-limit-today: a command, then a 429 {type: "usage_limit_reached", resets_at: now + 1800} with the
    // ChatGPT backend's headers (x-codex-primary-used-percent: 100, x-codex-primary-reset-at: now + 1795).
    const message = failureOf("usage-limit-today");
    const signals = replaySignals("usage-limit-today");
    expect(signals.errorInfo).toBe("usage_limit_exceeded");
    expect(codexLimitOf(message, { now, signals })).toEqual({
      kind: "usage_limit",
      resets_at: "2026-12-07T12:06:57.000Z",
      message,
    });
    // usage-limit-later: the same three days ahead.
    const later = codexLimitOf(failureOf("usage-limit-later"), { now, signals: replaySignals("usage-limit-later") });
    expect(later?.resets_at).toBe("2026-12-10T11:36:57.000Z");
  });

  it("a resumed thread's signals are its last turn's", () => {
    // usage-limit-resumed: a first turn answered with the primary window at 87 %, then `exec resume` hit the limit.
    const signals = replaySignals("usage-limit-resumed");
    expect(signals.rateLimits?.primary).toMatchObject({ used_percent: 100 });
    expect(codexLimitOf(failureOf("usage-limit-resumed"), { now, signals })?.resets_at).toBe(
      "2026-12-07T13:36:57.000Z",
    );
  });

  it("Codex's own error kinds decide, whatever the wording", () => {
    // quota: a 429 insufficient_quota, which Codex also files as usage_limit_exceeded.
    expect(codexLimitOf(failureOf("quota"), { now, signals: replaySignals("quota") })).toMatchObject({
      kind: "quota",
      resets_at: null,
    });
    // rate-limit: two HTTP 429 rate_limit_exceeded → {response_too_many_failed_attempts: {http_status_code: 429}}.
    expect(replaySignals("rate-limit").errorInfo).toEqual({
      response_too_many_failed_attempts: { http_status_code: 429 },
    });
    expect(codexLimitOf("anything", { now, signals: replaySignals("rate-limit") })).toMatchObject({
      kind: "rate_limit",
    });
    // rate-limit-stream: two response.failed rate_limit_exceeded "… Please try again in 1.5s."
    const stream = failureOf("rate-limit-stream");
    expect(codexLimitOf(stream, { now, signals: replaySignals("rate-limit-stream") })).toEqual({
      kind: "rate_limit",
      resets_at: "2026-12-07T11:37:04.000Z",
      message: stream,
    });
    expect(codexLimitOf("New wording", { now, signals: { errorInfo: "usage_limit_exceeded" } })).toMatchObject({
      kind: "usage_limit",
      resets_at: null,
    });
    // unauthorized: two 401s → {http_connection_failed: {http_status_code: 401}}.
    expect(codexLimitOf(failureOf("unauthorized"), { now, signals: replaySignals("unauthorized") })).toBeNull();
    const notIncluded = "To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.";
    expect(codexLimitOf(notIncluded, { now, signals: { errorInfo: "usage_limit_exceeded" } })).toBeNull();
  });
});

describe("codexLimitOf, from the message alone (no rollout found)", () => {
  it("a usage window resetting today: the time in the message, a minute late (it drops the seconds)", () => {
    const message = failureOf("usage-limit-today");
    expect(message).toMatch(/^You’ve hit your usage limit\. .* try again at 12:07 PM\.$/);
    expect(codexLimitOf(message, { now, timeZone: "UTC" })).toEqual({
      kind: "usage_limit",
      resets_at: "2026-12-07T12:08:00.000Z",
      message,
    });
  });

  it("a usage window resetting another day: the date in the message", () => {
    const message = failureOf("usage-limit-later");
    expect(message).toContain("try again at Dec 10th, 2026 11:37 AM.");
    expect(codexLimitOf(message, { now })?.resets_at).toBe("2026-12-10T11:38:00.000Z");
  });

  it("reads the time in the CLI's zone (its TZ), across a DST change", () => {
    const berlin = "You've hit your usage limit. Try again at 7:05 PM.";
    expect(codexLimitOf(berlin, { now, timeZone: "Europe/Berlin" })?.resets_at).toBe("2026-12-07T18:06:00.000Z");
    expect(codexLimitOf(berlin, { now, timeZone: ":Europe/Berlin" })?.resets_at).toBe("2026-12-07T18:06:00.000Z");
    const summer = "You've hit your usage limit. Try again at Mar 30th, 2027 12:00 AM.";
    expect(codexLimitOf(summer, { now, timeZone: "America/New_York" })?.resets_at).toBe("2027-03-30T04:01:00.000Z");
    const winter = "You've hit your usage limit. Try again at Jan 2nd, 2027 12:00 AM.";
    expect(codexLimitOf(winter, { now, timeZone: "America/New_York" })?.resets_at).toBe("2027-01-02T05:01:00.000Z");
  });

  it("a usage window without a time (free plan, or no resets_at) has no reset", () => {
    const message =
      "You've hit your usage limit. Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus).";
    expect(codexLimitOf(message, { now })).toEqual({ kind: "usage_limit", resets_at: null, message });
    expect(codexLimitOf("You've hit your usage limit. Try again later.", { now })?.resets_at).toBeNull();
  });

  it("insufficient_quota is an exhausted quota, with no reset", () => {
    const message = failureOf("quota");
    expect(message).toBe("Quota exceeded. Check your plan and billing details.");
    expect(codexLimitOf(message, { now })).toEqual({ kind: "quota", resets_at: null, message });
  });

  it("a 429 rate limit Codex gave up on is a rate limit; in the stream, with its retry delay", () => {
    const http = failureOf("rate-limit");
    expect(http).toBe("exceeded retry limit, last status: 429 Too Many Requests");
    expect(codexLimitOf(http, { now })).toEqual({ kind: "rate_limit", resets_at: null, message: http });
    expect(codexLimitOf(failureOf("rate-limit-stream"), { now })?.resets_at).toBe("2026-12-07T11:37:04.000Z");
  });

  it("other failures are no limits", () => {
    for (const fixture of ["unauthorized", "bad-request"]) expect(codexLimitOf(failureOf(fixture), { now })).toBeNull();
    const notIncluded = "To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.";
    expect(codexLimitOf(notIncluded, { now })).toBeNull();
  });
});
