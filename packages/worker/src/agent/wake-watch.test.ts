import { describe, expect, it } from "vitest";
import type { WorkerClock } from "./clock.ts";
import { type Wake, WakeWatch } from "./wake-watch.ts";

/** Both clocks moved by the test: `run` is time the process ran, `sleep` time the machine slept. */
function drivenClock() {
  let monotonic = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const clock: WorkerClock = { monotonicMs: () => monotonic, wallMs: () => wall };
  return {
    clock,
    run(ms: number) {
      monotonic += ms;
      wall += ms;
    },
    sleep(ms: number) {
      wall += ms;
    },
    setWall(ms: number) {
      wall += ms;
    },
  };
}

function watch() {
  const time = drivenClock();
  const wakes: Wake[] = [];
  const watcher = new WakeWatch({
    clock: time.clock,
    tickMs: 1_000,
    thresholdMs: () => 20_000,
    onWake: (wake) => wakes.push(wake),
  });
  return { time, wakes, watcher };
}

describe("WakeWatch", () => {
  it("says nothing while ticks come on time, or a little late", () => {
    const { time, wakes, watcher } = watch();
    for (let i = 0; i < 50; i += 1) {
      time.run(i % 7 === 0 ? 4_000 : 1_000);
      expect(watcher.tick()).toBeNull();
    }
    expect(wakes).toEqual([]);
  });

  it("sees a machine that slept: the wall clock moved, the monotonic one did not", () => {
    const { time, wakes, watcher } = watch();
    time.run(1_000);
    watcher.tick();
    time.sleep(3_600_000);
    time.run(1_000);
    expect(watcher.tick()).toEqual({ absentMs: 3_600_000, cause: "sleep" });
    // One report per wake: the next tick is an ordinary one.
    time.run(1_000);
    expect(watcher.tick()).toBeNull();
    expect(wakes).toHaveLength(1);
  });

  it("sees a process that did not run (SIGSTOP): a tick far overdue on both clocks", () => {
    const { time, wakes, watcher } = watch();
    time.run(1_000);
    watcher.tick();
    time.run(45_000);
    expect(watcher.tick()).toEqual({ absentMs: 44_000, cause: "stall" });
    expect(wakes).toEqual([{ absentMs: 44_000, cause: "stall" }]);
  });

  it("takes no small wall clock correction for a wake, nor setting the clock back", () => {
    const { time, wakes, watcher } = watch();
    time.run(1_000);
    time.setWall(-3_600_000);
    expect(watcher.tick()).toBeNull();
    time.run(1_000);
    time.setWall(5_000);
    expect(watcher.tick()).toBeNull();
    expect(wakes).toEqual([]);
  });
});
