// Live output of running tasks. Chunks are buffered briefly and written in one INSERT per task per flush,
// so a chatty tool costs a few statements a second, not one per line. Each attempt keeps at most
// `maxStoredBytes` in task_events; past that, chunks go to a log file in the data dir and one
// `output_truncated` event says where. Every chunk is published on the bus for live subscribers.
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { and, asc, eq, sql } from "drizzle-orm";
import { publish } from "../bus/channels.ts";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "../data-dir.ts";
import { taskEvents } from "../db/schema.ts";
import type { Resources } from "../resources.ts";

export interface OutputChunk {
  task_id: string;
  user_id: string;
  attempt: number;
  seq: number;
  stream: "stdout" | "stderr" | "event";
  chunk: string;
}

export interface OutputStore {
  append(chunk: OutputChunk): void;
  /** Writes everything buffered (call before a task's completion is recorded, and on shutdown). */
  flush(taskId?: string): Promise<void>;
  backlog(taskId: string): Promise<Array<Omit<OutputChunk, "user_id">>>;
  close(): Promise<void>;
}

const FLUSH_INTERVAL_MS = 100;

export function createOutputStore(resources: Resources, maxStoredBytes = 2 * 1024 * 1024): OutputStore {
  const { db, bus, config, log } = resources;
  const pending = new Map<string, OutputChunk[]>();
  // Bytes stored per task attempt in this process; the first chunk of an attempt reads the stored total.
  const storedBytes = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  async function storedSoFar(taskId: string, attempt: number): Promise<number> {
    const key = `${taskId}:${attempt}`;
    const known = storedBytes.get(key);
    if (known !== undefined) return known;
    const [row] = await db
      .select({ bytes: sql<number>`coalesce(sum(length(${taskEvents.data}->>'chunk')), 0)::int` })
      .from(taskEvents)
      .where(and(eq(taskEvents.task_id, taskId), eq(taskEvents.attempt, attempt), eq(taskEvents.kind, "output")));
    storedBytes.set(key, row?.bytes ?? 0);
    return row?.bytes ?? 0;
  }

  async function writeTask(taskId: string, chunks: OutputChunk[]): Promise<void> {
    const first = chunks[0];
    if (!first) return;
    const key = `${taskId}:${first.attempt}`;
    let used = await storedSoFar(taskId, first.attempt);
    const rows: Array<typeof taskEvents.$inferInsert> = [];
    const spilled: OutputChunk[] = [];
    for (const chunk of chunks) {
      if (used + chunk.chunk.length <= maxStoredBytes) {
        used += chunk.chunk.length;
        rows.push({
          task_id: taskId,
          attempt: chunk.attempt,
          kind: "output",
          data: { seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk },
        });
      } else {
        spilled.push(chunk);
      }
    }
    if (spilled.length > 0) {
      const file = join(config.dataDir, "logs", `${taskId}.${first.attempt}.log`);
      if (used <= maxStoredBytes) {
        rows.push({ task_id: taskId, attempt: first.attempt, kind: "output_truncated", data: { log_file: file } });
        used = maxStoredBytes + 1;
      }
      await mkdir(join(config.dataDir, "logs"), { recursive: true, mode: PRIVATE_DIR_MODE });
      // The mode applies when the file is created: output is the user's, not the machine's other users'.
      await appendFile(file, spilled.map((chunk) => chunk.chunk).join(""), { mode: PRIVATE_FILE_MODE });
    }
    storedBytes.set(key, used);
    if (rows.length > 0) await db.insert(taskEvents).values(rows);
  }

  function flush(taskId?: string): Promise<void> {
    const batch = taskId ? new Map(pending.has(taskId) ? [[taskId, pending.get(taskId) ?? []]] : []) : new Map(pending);
    for (const id of batch.keys()) pending.delete(id);
    flushing = flushing.then(async () => {
      for (const [id, chunks] of batch) {
        try {
          await writeTask(id, chunks);
        } catch (error) {
          // The task may have been deleted meanwhile; live subscribers already got the chunks.
          log.warn({ err: error, task_id: id }, "could not store task output");
        }
      }
    });
    return flushing;
  }

  return {
    append(raw) {
      // jsonb cannot hold NUL; a tool printing one must not lose the rest of its output.
      const chunk = raw.chunk.includes("\u0000") ? { ...raw, chunk: raw.chunk.replaceAll("\u0000", "") } : raw;
      const list = pending.get(chunk.task_id);
      if (list) list.push(chunk);
      else pending.set(chunk.task_id, [chunk]);
      void publish(bus, "task.output", chunk);
      timer ??= setTimeout(() => {
        timer = null;
        void flush();
      }, FLUSH_INTERVAL_MS);
    },
    flush,
    async backlog(taskId) {
      await flush(taskId);
      const rows = await db
        .select()
        .from(taskEvents)
        .where(and(eq(taskEvents.task_id, taskId), eq(taskEvents.kind, "output")))
        .orderBy(asc(taskEvents.event_id));
      return rows.map((row) => {
        const data = row.data as { seq: number; stream: OutputChunk["stream"]; chunk: string };
        return { task_id: taskId, attempt: row.attempt, seq: data.seq, stream: data.stream, chunk: data.chunk };
      });
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      await flush();
    },
  };
}
