import { describe, expect, it } from "vitest";
import { describeSpan } from "../components/sparkline.tsx";
import { appendSample, SAMPLE_WINDOW, type WorkerSample } from "./worker-samples.ts";

const sample = (at: number, cpu = at): WorkerSample => ({ at, cpu_percent: cpu, memory_percent: 0, disk_percent: 0 });

describe("worker sample window", () => {
  it("keeps the latest SAMPLE_WINDOW samples, oldest first", () => {
    let window: WorkerSample[] = [];
    for (let at = 1; at <= SAMPLE_WINDOW + 5; at++) window = appendSample(window, sample(at));
    expect(window).toHaveLength(SAMPLE_WINDOW);
    expect(window[0]?.at).toBe(6);
    expect(window.at(-1)?.at).toBe(SAMPLE_WINDOW + 5);
  });

  it("puts a late-arriving sample in time order and leaves the old window untouched", () => {
    const before = [sample(10), sample(30)];
    const after = appendSample(before, sample(20));
    expect(after.map((entry) => entry.at)).toEqual([10, 20, 30]);
    expect(before.map((entry) => entry.at)).toEqual([10, 30]);
  });
});

describe("sparkline span", () => {
  it.each([
    [0, "just now"],
    [1_000, "last 1 second"],
    [40_000, "last 40 seconds"],
    [290_000, "last 5 minutes"],
    [60_000 * 30, "last 30 minutes"],
  ])("describes %i ms as %s", (ms, text) => {
    expect(describeSpan(ms)).toBe(text);
  });
});
