// Limits in the failures of the real Codex 0.171.0 (fixtures recorded as codex-events.test.ts says, on
// 2026-12-07 at 11:28:26 UTC, the CLI's zone UTC), then the same messages as other zones print them.
import { describe, expect, it } from "vitest";
import { replay } from "../../test/fixtures/codex/replay.ts";
import { codexLimitOf } from "./codex-limits.ts";

const recordedAt = new Date("2026-12-07T11:28:26Z");
const failureOf = (fixture: string) => replay(fixture).state.failure ?? "";

describe("codexLimitOf", () => {
  it("a usage window resetting today: the time in the message, a minute late (it drops the seconds)", () => {
    // usage-limit-today.jsonl: a command, then a 429 {type: "usage_limit_reached", resets_at: now + 1800}
    // with the x-codex-primary-* headers of the ChatGPT backend.
    const message = failureOf("usage-limit-today");
    expect(message).toMatch(/^You’ve hit your usage limit\. .* try again at 11:58 AM\.$/);
    expect(codexLimitOf(message, recordedAt, "UTC")).toEqual({
      kind: "usage_limit",
      resets_at: "2026-12-07T11:59:00.000Z",
      message,
    });
  });

  it("a usage window resetting another day: the date in the message", () => {
    // usage-limit-later.jsonl: resets_at = now + 3 days.
    const message = failureOf("usage-limit-later");
    expect(message).toContain("try again at Dec 10th, 2026 11:28 AM.");
    expect(codexLimitOf(message, recordedAt, undefined)?.resets_at).toBe("2026-12-10T11:29:00.000Z");
  });

  it("reads the time in the CLI's zone (its TZ), across a DST change", () => {
    const berlin = "You've hit your usage limit. Try again at 7:05 PM.";
    expect(codexLimitOf(berlin, recordedAt, "Europe/Berlin")?.resets_at).toBe("2026-12-07T18:06:00.000Z");
    expect(codexLimitOf(berlin, recordedAt, ":Europe/Berlin")?.resets_at).toBe("2026-12-07T18:06:00.000Z");
    const summer = "You've hit your usage limit. Try again at Mar 30th, 2027 12:00 AM.";
    expect(codexLimitOf(summer, recordedAt, "America/New_York")?.resets_at).toBe("2027-03-30T04:01:00.000Z");
    const winter = "You've hit your usage limit. Try again at Jan 2nd, 2027 12:00 AM.";
    expect(codexLimitOf(winter, recordedAt, "America/New_York")?.resets_at).toBe("2027-01-02T05:01:00.000Z");
  });

  it("a usage window without a time (free plan, or no resets_at) has no reset", () => {
    const message =
      "You've hit your usage limit. Upgrade to Plus to continue using Codex (https://chatgpt.com/explore/plus).";
    expect(codexLimitOf(message, recordedAt)).toEqual({ kind: "usage_limit", resets_at: null, message });
    expect(codexLimitOf("You've hit your usage limit. Try again later.", recordedAt)?.resets_at).toBeNull();
  });

  it("insufficient_quota is an exhausted quota, with no reset", () => {
    // quota.jsonl: a 429 {type/code: "insufficient_quota"}; Codex does not retry it.
    const message = failureOf("quota");
    expect(message).toBe("Quota exceeded. Check your plan and billing details.");
    expect(codexLimitOf(message, recordedAt)).toEqual({ kind: "quota", resets_at: null, message });
  });

  it("a 429 rate limit Codex gave up on is a rate limit; in the stream, with its retry delay", () => {
    // rate-limit.jsonl: two HTTP 429 rate_limit_exceeded (retry-after: 1); Codex keeps only the status.
    const http = failureOf("rate-limit");
    expect(http).toBe("exceeded retry limit, last status: 429 Too Many Requests");
    expect(codexLimitOf(http, recordedAt)).toEqual({ kind: "rate_limit", resets_at: null, message: http });
    // rate-limit-stream.jsonl: two response.failed {code: "rate_limit_exceeded", "… Please try again in 1.5s."}.
    const stream = failureOf("rate-limit-stream");
    expect(codexLimitOf(stream, recordedAt)).toEqual({
      kind: "rate_limit",
      resets_at: "2026-12-07T11:28:28.000Z",
      message: stream,
    });
  });

  it("other failures are no limits", () => {
    for (const fixture of ["unauthorized", "bad-request"])
      expect(codexLimitOf(failureOf(fixture), recordedAt)).toBeNull();
    const notIncluded = "To use Codex with your ChatGPT plan, upgrade to Plus: https://chatgpt.com/explore/plus.";
    expect(codexLimitOf(notIncluded, recordedAt)).toBeNull();
  });
});
