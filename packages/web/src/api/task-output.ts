// A task's log: the server sends the stored backlog on subscribe, then each chunk as it happens.
// Chunks are keyed by attempt and sequence number, so the backlog resent after a reconnect adds nothing twice.
import { useEffect, useState } from "react";
import { onLiveMessage, subscribeTaskOutput } from "./realtime.ts";

export interface OutputChunk {
  attempt: number;
  seq: number;
  stream: "stdout" | "stderr" | "event";
  chunk: string;
}

export function useTaskOutput(taskId: string): OutputChunk[] {
  const [chunks, setChunks] = useState<OutputChunk[]>([]);
  useEffect(() => {
    setChunks([]);
    const seen = new Set<string>();
    const stop = onLiveMessage((message) => {
      if (message.type !== "task.output" || message.data.task_id !== taskId) return;
      const { attempt, seq, stream, chunk } = message.data;
      const key = `${attempt}:${seq}`;
      if (seen.has(key)) return;
      seen.add(key);
      setChunks((previous) => insertInOrder(previous, { attempt, seq, stream, chunk }));
    });
    const unsubscribe = subscribeTaskOutput(taskId);
    return () => {
      stop();
      unsubscribe();
    };
  }, [taskId]);
  return chunks;
}

function insertInOrder(chunks: OutputChunk[], next: OutputChunk): OutputChunk[] {
  const last = chunks[chunks.length - 1];
  if (!last || last.attempt < next.attempt || (last.attempt === next.attempt && last.seq < next.seq)) {
    return [...chunks, next];
  }
  return [...chunks, next].sort((a, b) => a.attempt - b.attempt || a.seq - b.seq);
}
