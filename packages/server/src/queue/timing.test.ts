import { describe, expect, it } from "vitest";
import { LIMIT_MAX_WAIT_SECONDS, leaseSeconds, limitedUntil, limitWaitUntil, retryDelaySeconds } from "./timing.ts";

describe("queue timing", () => {
  it("backs off exponentially from 5 s and caps at 10 minutes", () => {
    expect([1, 2, 3, 4].map(retryDelaySeconds)).toEqual([5, 10, 20, 40]);
    expect(retryDelaySeconds(30)).toBe(600);
    expect(retryDelaySeconds(0)).toBe(5);
  });

  it("leases last three heartbeat intervals", () => {
    expect(leaseSeconds({ heartbeatIntervalSeconds: 10 })).toBe(30);
  });
});

describe("usage limit timing", () => {
  const now = new Date("2026-12-01T12:00:00.000Z");

  it("believes a reset in the near future", () => {
    expect(limitedUntil("2026-12-01T19:00:00+01:00", now, 900).toISOString()).toBe("2026-12-01T18:00:00.000Z");
  });

  it("waits the default when the tool named no reset", () => {
    expect(limitedUntil(null, now, 900).toISOString()).toBe("2026-12-01T12:15:00.000Z");
  });

  it("clamps a reset in the past to now and one far ahead to the maximum", () => {
    expect(limitedUntil("2020-01-01T00:00:00Z", now, 900)).toEqual(now);
    expect(limitedUntil("2999-01-01T00:00:00Z", now, 900).getTime()).toBe(
      now.getTime() + LIMIT_MAX_WAIT_SECONDS * 1000,
    );
  });

  it("jitters the wake-up by at most a tenth of the wait, and at most a minute", () => {
    const soon = new Date(now.getTime() + 10_000);
    expect(limitWaitUntil(soon, now, 0)).toEqual(soon);
    expect(limitWaitUntil(soon, now, 0.999).getTime() - soon.getTime()).toBeLessThanOrEqual(1_000);
    const late = new Date(now.getTime() + 5 * 3600_000);
    expect(limitWaitUntil(late, now, 0.999).getTime() - late.getTime()).toBeLessThanOrEqual(60_000);
    expect(limitWaitUntil(late, now, 0.5).getTime()).toBeGreaterThan(late.getTime());
    expect(limitWaitUntil(now, now, 0.9)).toEqual(now);
  });
});
