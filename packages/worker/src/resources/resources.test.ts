import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ResourceMonitor } from "./resources.ts";

describe("ResourceMonitor", () => {
  it("reports cpu, memory and disk use as percentages", async () => {
    const monitor = new ResourceMonitor(tmpdir());
    for (const sample of [await monitor.sample(), await monitor.sample()]) {
      for (const value of [sample.cpu_percent, sample.memory_percent, sample.disk_percent]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThanOrEqual(100);
      }
      // Something is always in memory and on the disk that holds tmp.
      expect(sample.memory_percent).toBeGreaterThan(0);
      expect(sample.disk_percent).toBeGreaterThan(0);
    }
  });

  it("rejects a disk path that does not exist", async () => {
    await expect(new ResourceMonitor("/no/such/dir/for/garageswarm").sample()).rejects.toMatchObject({
      code: "ENOENT",
    });
  });
});
