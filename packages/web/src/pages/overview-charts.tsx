// Throughput per hour (an inline SVG, no chart library) and queue/run latency, over the latest tasks.
import type { Task } from "@garageswarm/protocol";
import { Section } from "../components/page.tsx";
import { finishedPerHour, formatDuration, latency } from "./throughput.ts";

export function ThroughputChart({ tasks, sampled }: { tasks: Task[]; sampled: boolean }) {
  const buckets = finishedPerHour(tasks, Date.now());
  const total = buckets.reduce((sum, b) => sum + b.completed + b.failed, 0);
  const failed = buckets.reduce((sum, b) => sum + b.failed, 0);
  const peak = Math.max(1, ...buckets.map((b) => b.completed + b.failed));
  const width = 24 * 12;
  const height = 80;
  return (
    <Section title="Throughput, last 24 hours">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        className="chart"
        preserveAspectRatio="none"
        role="img"
        aria-label={`${total} task${total === 1 ? "" : "s"} finished in the last 24 hours, ${failed} of them failed; busiest hour ${peak === 1 && total === 0 ? 0 : peak}.`}
      >
        {buckets.map((bucket, index) => {
          const ok = (bucket.completed / peak) * (height - 4);
          const bad = (bucket.failed / peak) * (height - 4);
          return (
            <g key={bucket.start}>
              <rect className="bar-ok" x={index * 12 + 1} y={height - ok} width={10} height={ok} />
              <rect className="bar-bad" x={index * 12 + 1} y={height - ok - bad} width={10} height={bad} />
            </g>
          );
        })}
      </svg>
      <p className="muted">
        {total} finished ({failed} failed){sampled ? ", counted over the latest 200 tasks" : ""}.
      </p>
    </Section>
  );
}

export function LatencySummary({ tasks }: { tasks: Task[] }) {
  const figures = latency(tasks);
  return (
    <Section title="Latency">
      <dl className="facts">
        <dt>Wait in queue (median / p90)</dt>
        <dd>
          {formatDuration(figures.waitMedianMs)} / {formatDuration(figures.waitP90Ms)}
        </dd>
        <dt>Run time (median / p90)</dt>
        <dd>
          {formatDuration(figures.runMedianMs)} / {formatDuration(figures.runP90Ms)}
        </dd>
      </dl>
      <p className="muted">
        From the latest {figures.count === 1 ? "completed task" : `${figures.count} completed tasks`}.
      </p>
    </Section>
  );
}
