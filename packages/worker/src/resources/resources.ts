// How busy this machine is, as the allocator's filter and availability score read it: cpu, memory and
// disk use in percent. Plain Node (os + fs.statfs), so a sample costs microseconds and no subprocess.
import { statfs } from "node:fs/promises";
import { cpus, freemem, totalmem } from "node:os";

export interface ResourceSample {
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
}

interface CpuTimes {
  idle: number;
  total: number;
}

/**
 * Samples resource use. CPU use is measured between calls (the first call measures since boot), so keep
 * one monitor per worker and sample it on each heartbeat.
 */
export class ResourceMonitor {
  // Starting from zero makes the first sample the average since boot rather than a 0/0.
  private previous: CpuTimes = { idle: 0, total: 0 };

  /** @param diskPath a path on the disk that matters: the worker's state dir. */
  constructor(private readonly diskPath: string) {}

  async sample(): Promise<ResourceSample> {
    const now = readCpuTimes();
    const total = now.total - this.previous.total;
    const idle = now.idle - this.previous.idle;
    this.previous = now;
    return {
      cpu_percent: total > 0 ? percent(1 - idle / total) : 0,
      memory_percent: percent(1 - freemem() / totalmem()),
      disk_percent: await diskPercent(this.diskPath),
    };
  }
}

function readCpuTimes(): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq + cpu.times.idle;
  }
  return { idle, total };
}

async function diskPercent(path: string): Promise<number> {
  const stats = await statfs(path);
  // Like df: used over what an unprivileged user can have (used + available), not over raw size.
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const available = stats.bavail * stats.bsize;
  return used + available > 0 ? percent(used / (used + available)) : 0;
}

function percent(fraction: number): number {
  return Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10;
}
