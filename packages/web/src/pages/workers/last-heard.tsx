// "last heard 5 s ago" from the freshest of the worker row and the live heartbeats on the feed, ticking on
// its own: the row is only refetched on status changes, while heartbeats arrive every interval.
import type { Worker } from "@garageswarm/protocol";
import { useWorkerSamples } from "../../api/worker-samples.ts";
import { formatAgo } from "../../components/format.ts";
import { useNow } from "../../components/use-now.ts";

export function lastHeardAt(stored: string | null, latestSampleAt: number | undefined): string | null {
  const storedMs = stored ? Date.parse(stored) : Number.NaN;
  if (latestSampleAt === undefined) return stored;
  return Number.isNaN(storedMs) || latestSampleAt > storedMs ? new Date(latestSampleAt).toISOString() : stored;
}

export function LastHeard({ worker }: { worker: Pick<Worker, "worker_id" | "last_heartbeat_at"> }) {
  const samples = useWorkerSamples(worker.worker_id);
  const now = useNow(5000);
  const at = lastHeardAt(worker.last_heartbeat_at, samples.at(-1)?.at);
  if (!at) return <>never heard from</>;
  return (
    <>
      last heard{" "}
      <time dateTime={at} title={new Date(at).toLocaleString()}>
        {formatAgo(at, Math.max(now, Date.parse(at)))}
      </time>
    </>
  );
}
