// Notices that the worker was not running for a while: the machine slept (the wall clock moved far more than
// the monotonic one, which stands still in sleep) or the process was stopped (SIGSTOP, a debugger, a swapped
// out VM: a tick comes far later than it was due). Either way the server may have given its tasks away and its
// connection is likely dead, so the worker reconciles — once per wake, however many timers fire late together.
import type { WorkerClock } from "./clock.ts";

export interface Wake {
  /** About how long the worker did not run. */
  absentMs: number;
  /** `sleep`: the machine slept; `stall`: the process did not run (stopped, frozen). */
  cause: "sleep" | "stall";
}

export interface WakeWatchOptions {
  clock: WorkerClock;
  /** How often it looks. */
  tickMs: number;
  /** An absence longer than this is a wake (read at each tick: it follows the heartbeat interval). */
  thresholdMs(): number;
  onWake(wake: Wake): void;
}

export class WakeWatch {
  private lastMonotonic: number;
  private lastWall: number;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: WakeWatchOptions) {
    this.lastMonotonic = options.clock.monotonicMs();
    this.lastWall = options.clock.wallMs();
  }

  /** Compares both clocks with the last tick; a tick that finds a wake reports it (once) and starts over. */
  tick(): Wake | null {
    const { clock, tickMs } = this.options;
    const monotonic = clock.monotonicMs();
    const wall = clock.wallMs();
    const monotonicGap = monotonic - this.lastMonotonic;
    const wallGap = wall - this.lastWall;
    this.lastMonotonic = monotonic;
    this.lastWall = wall;
    // Asleep: time the wall clock saw and the monotonic clock did not. Stalled: a tick overdue on either.
    const slept = wallGap - monotonicGap;
    const overdue = Math.min(monotonicGap, wallGap) - tickMs;
    const threshold = this.options.thresholdMs();
    if (slept > threshold) return this.report({ absentMs: Math.round(slept + Math.max(0, overdue)), cause: "sleep" });
    if (overdue > threshold) return this.report({ absentMs: Math.round(overdue), cause: "stall" });
    return null;
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private report(wake: Wake): Wake {
    this.options.onWake(wake);
    return wake;
  }
}
