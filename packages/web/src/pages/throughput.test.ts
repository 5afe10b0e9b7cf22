import type { Task } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { finishedPerHour, formatDuration, latency, percentile } from "./throughput.ts";

const now = Date.parse("2026-01-01T12:30:00Z");

function task(status: Task["status"], created: string, started: string | null, completed: string | null): Task {
  return { status, created_at: created, started_at: started, completed_at: completed } as Task;
}

describe("overview figures", () => {
  it("counts finished tasks per hour over the last 24 hours, ignoring older ones", () => {
    const buckets = finishedPerHour(
      [
        task("completed", "2026-01-01T12:00:00Z", "2026-01-01T12:01:00Z", "2026-01-01T12:10:00Z"),
        task("failed", "2026-01-01T11:00:00Z", "2026-01-01T11:01:00Z", "2026-01-01T11:20:00Z"),
        task("completed", "2025-12-30T11:00:00Z", "2025-12-30T11:01:00Z", "2025-12-30T11:20:00Z"),
        task("queued", "2026-01-01T12:00:00Z", null, null),
      ],
      now,
    );
    expect(buckets).toHaveLength(24);
    expect(buckets.at(-1)).toMatchObject({ completed: 1, failed: 0 });
    expect(buckets.at(-2)).toMatchObject({ completed: 0, failed: 1 });
    expect(buckets.reduce((sum, b) => sum + b.completed + b.failed, 0)).toBe(2);
  });

  it("measures queue wait and run time of started tasks", () => {
    const figures = latency([
      task("completed", "2026-01-01T12:00:00Z", "2026-01-01T12:00:02Z", "2026-01-01T12:00:12Z"),
      task("completed", "2026-01-01T12:00:00Z", "2026-01-01T12:00:04Z", "2026-01-01T12:00:34Z"),
      task("running", "2026-01-01T12:00:00Z", "2026-01-01T12:00:06Z", null),
    ]);
    expect(figures).toEqual({ count: 2, waitMedianMs: 4000, waitP90Ms: 6000, runMedianMs: 10_000, runP90Ms: 30_000 });
  });

  it("takes nearest-rank percentiles and formats durations", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([5, 1, 3], 0.5)).toBe(3);
    expect(formatDuration(450)).toBe("450 ms");
    expect(formatDuration(12_300)).toBe("12.3 s");
    expect(formatDuration(null)).toBe("—");
  });
});
