import { describe, expect, it } from "vitest";
import { leaseSeconds, retryDelaySeconds } from "./timing.ts";

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
