export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Latencies (ms) of the items that have both ends, sorted ascending. */
export function latencies(from: ReadonlyMap<string, number>, to: ReadonlyMap<string, number>): number[] {
  const values: number[] = [];
  for (const [id, start] of from) {
    const end = to.get(id);
    if (end !== undefined) values.push(end - start);
  }
  return values.sort((a, b) => a - b);
}
