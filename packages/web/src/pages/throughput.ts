// Figures for the overview charts, from the latest tasks: finished per hour, and how long tasks wait
// in the queue and run (medians and 90th percentiles).
import type { Task } from "@garageswarm/protocol";

export interface HourBucket {
  start: number;
  completed: number;
  failed: number;
}

const hour = 3600_000;

export function finishedPerHour(tasks: Task[], now: number, hours = 24): HourBucket[] {
  const first = Math.floor(now / hour) * hour - (hours - 1) * hour;
  const buckets: HourBucket[] = Array.from({ length: hours }, (_, index) => ({
    start: first + index * hour,
    completed: 0,
    failed: 0,
  }));
  for (const task of tasks) {
    if (!task.completed_at) continue;
    const index = Math.floor((new Date(task.completed_at).getTime() - first) / hour);
    const bucket = buckets[index];
    if (!bucket) continue;
    if (task.status === "completed") bucket.completed++;
    else if (task.status === "failed" || task.status === "timed_out") bucket.failed++;
  }
  return buckets;
}

export interface Latency {
  count: number;
  waitMedianMs: number | null;
  waitP90Ms: number | null;
  runMedianMs: number | null;
  runP90Ms: number | null;
}

export function latency(tasks: Task[]): Latency {
  const waits: number[] = [];
  const runs: number[] = [];
  for (const task of tasks) {
    if (!task.started_at) continue;
    waits.push(new Date(task.started_at).getTime() - new Date(task.created_at).getTime());
    if (task.completed_at && task.status === "completed") {
      runs.push(new Date(task.completed_at).getTime() - new Date(task.started_at).getTime());
    }
  }
  return {
    count: runs.length,
    waitMedianMs: percentile(waits, 0.5),
    waitP90Ms: percentile(waits, 0.9),
    runMedianMs: percentile(runs, 0.5),
    runP90Ms: percentile(runs, 0.9),
  };
}

/** Nearest-rank percentile; null for no data. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? null;
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3600_000).toFixed(1)} h`;
}
