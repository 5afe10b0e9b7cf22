// A small inline SVG line of recent percentages (0-100, oldest at the left, newest at the right), named
// for screen readers by its latest value and the time it spans.
const WIDTH = 100;
const HEIGHT = 24;

export interface SparklineProps {
  /** What is measured: "CPU", "Memory", "Disk". */
  label: string;
  /** Percentages, oldest first. */
  values: readonly number[];
  /** Milliseconds from the oldest value to the newest. */
  spanMs: number;
}

export function Sparkline({ label, values, spanMs }: SparklineProps) {
  const latest = values.at(-1);
  if (latest === undefined) return null;
  const step = WIDTH / Math.max(1, values.length - 1);
  const points = values.map((value, index) => {
    const x = values.length === 1 ? WIDTH : index * step;
    const y = HEIGHT - 1 - (Math.min(100, Math.max(0, value)) / 100) * (HEIGHT - 2);
    return { x: round(x), y: round(y) };
  });
  const last = points.at(-1) ?? { x: WIDTH, y: HEIGHT };
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${label} ${Math.round(latest)}% (${describeSpan(spanMs)})`}
    >
      <rect className="sparkline-track" width={WIDTH} height={HEIGHT} />
      <polyline points={points.map((point) => `${point.x},${point.y}`).join(" ")} />
      <circle cx={last.x} cy={last.y} r={1.5} />
    </svg>
  );
}

/** "last 5 minutes", "last 40 seconds", or "just now" for a single sample. */
export function describeSpan(spanMs: number): string {
  const seconds = Math.round(spanMs / 1000);
  if (seconds < 1) return "just now";
  if (seconds < 90) return `last ${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  return `last ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
