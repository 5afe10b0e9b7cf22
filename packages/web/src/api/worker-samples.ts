// Live cpu/memory/disk of each visible worker, from `worker.heartbeat` on the client feed: the latest
// SAMPLE_WINDOW samples per worker, in memory only (a reload starts empty; the card still shows the
// current value). Collection starts when this module loads, so samples gather before the page opens.
import type { ServerToClient } from "@garageswarm/protocol";
import { useSyncExternalStore } from "react";
import { onLiveMessage } from "./realtime.ts";

/** 30 samples: five minutes at the default 10-second heartbeat. */
export const SAMPLE_WINDOW = 30;

export interface WorkerSample {
  /** Epoch milliseconds of the heartbeat. */
  at: number;
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
}

const none: readonly WorkerSample[] = [];
const samplesByWorker = new Map<string, readonly WorkerSample[]>();
const listeners = new Set<() => void>();

/** The window with `sample` added in time order, oldest dropped past `size`; a new array, the old one untouched. */
export function appendSample(
  window: readonly WorkerSample[],
  sample: WorkerSample,
  size = SAMPLE_WINDOW,
): WorkerSample[] {
  const next = [...window, sample];
  // Bus messages from several replicas can arrive out of order.
  if (window.length > 0 && sample.at < (window.at(-1)?.at ?? 0)) next.sort((a, b) => a.at - b.at);
  return next.slice(-size);
}

export function recordLiveMessage(message: ServerToClient): void {
  if (message.type === "worker.heartbeat") {
    const { worker_id, cpu_percent, memory_percent, disk_percent } = message.data;
    const at = Date.parse(message.ts);
    const sample = { at: Number.isNaN(at) ? Date.now() : at, cpu_percent, memory_percent, disk_percent };
    samplesByWorker.set(worker_id, appendSample(samplesByWorker.get(worker_id) ?? none, sample));
  } else if (message.type === "worker.updated" && message.data.status === "deleted") {
    if (!samplesByWorker.delete(message.data.worker_id)) return;
  } else {
    return;
  }
  for (const listener of listeners) listener();
}

onLiveMessage(recordLiveMessage);

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The worker's recent samples, oldest first; re-renders only when this worker's window changes. */
export function useWorkerSamples(workerId: string): readonly WorkerSample[] {
  const snapshot = () => samplesByWorker.get(workerId) ?? none;
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}
