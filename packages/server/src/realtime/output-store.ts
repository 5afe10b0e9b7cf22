// Live output of running tasks. Chunks are buffered briefly and written in one INSERT per task per flush,
// so a chatty tool costs a few statements a second, not one per line. Each attempt keeps at most
// `maxStoredBytes` in task_events; past that, chunks go to a spill file (spill-files.ts) and one
// `output_truncated` event says where. Database and file together hold at most `config.outputLimitBytes`
// per attempt: the chunk that would pass it and all after it are dropped, and one marker chunk (the last
// seq, on stderr so every viewer shows it: "[output truncated at N bytes]") is stored and sent instead.
import { appendFile, chmod, stat } from "node:fs/promises";
import { and, asc, eq, sql } from "drizzle-orm";
import { publish } from "../bus/channels.ts";
import { PRIVATE_FILE_MODE } from "../data-dir.ts";
import { taskEvents } from "../db/schema.ts";
import type { Resources } from "../resources.ts";
import { ensureLogsDir, spillFilePath } from "./spill-files.ts";

export interface OutputChunk {
  task_id: string;
  user_id: string;
  attempt: number;
  seq: number;
  stream: "stdout" | "stderr" | "event";
  chunk: string;
}

export interface OutputStore {
  /** Takes a chunk for storing and the live feed; false once the attempt's output passed the limit (dropped). */
  append(chunk: OutputChunk): boolean;
  /** Writes everything buffered (call before a task's completion is recorded, and on shutdown). */
  flush(taskId?: string): Promise<void>;
  backlog(taskId: string): Promise<Array<Omit<OutputChunk, "user_id">>>;
  /** Drops what this process remembers about these tasks (they were deleted). */
  forget(taskIds: string[]): void;
  close(): Promise<void>;
}

const FLUSH_INTERVAL_MS = 100;
/** The marker's seq: after any chunk a worker numbers, so viewers that order by seq show it last. */
export const TRUNCATION_MARKER_SEQ = Number.MAX_SAFE_INTEGER;

interface AttemptOutput {
  /** Bytes of output in task_events. */
  stored: number;
  /** Bytes in the spill file. */
  spilled: number;
  truncated: boolean;
}

export function createOutputStore(resources: Resources, maxStoredBytes = 2 * 1024 * 1024): OutputStore {
  const { db, bus, config, log } = resources;
  const limit = config.outputLimitBytes;
  const pending = new Map<string, OutputChunk[]>();
  // What each attempt holds so far, read from the database and the file on its first chunk in this process.
  const attempts = new Map<string, AttemptOutput>();
  // Bytes passed to the live feed per attempt, counted as they arrive, so the feed stops at the limit too.
  const live = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  const marker = () => `\n[output truncated at ${limit} bytes]\n`;

  async function attemptOutput(taskId: string, attempt: number): Promise<AttemptOutput> {
    const key = `${taskId}:${attempt}`;
    const known = attempts.get(key);
    if (known) return known;
    const [row] = await db
      .select({
        bytes: sql<number>`coalesce(sum(octet_length(${taskEvents.data}->>'chunk')), 0)::int`,
        truncated: sql<boolean>`coalesce(bool_or((${taskEvents.data}->>'seq')::bigint = ${TRUNCATION_MARKER_SEQ}), false)`,
      })
      .from(taskEvents)
      .where(and(eq(taskEvents.task_id, taskId), eq(taskEvents.attempt, attempt), eq(taskEvents.kind, "output")));
    const spilled = await stat(spillFilePath(config.dataDir, taskId, attempt)).then(
      (file) => file.size,
      () => 0,
    );
    const state = { stored: row?.bytes ?? 0, spilled, truncated: row?.truncated ?? false };
    attempts.set(key, state);
    return state;
  }

  async function writeTask(taskId: string, chunks: OutputChunk[]): Promise<void> {
    const first = chunks[0];
    if (!first) return;
    const state = await attemptOutput(taskId, first.attempt);
    const rows: Array<typeof taskEvents.$inferInsert> = [];
    const spilled: string[] = [];
    const file = spillFilePath(config.dataDir, taskId, first.attempt);
    const storedLimit = Math.min(maxStoredBytes, limit);
    for (const chunk of chunks) {
      if (state.truncated) break;
      const size = Buffer.byteLength(chunk.chunk);
      if (state.stored + state.spilled + size > limit) {
        state.truncated = true;
        const data = { seq: TRUNCATION_MARKER_SEQ, stream: "stderr", chunk: marker() };
        rows.push({ task_id: taskId, attempt: first.attempt, kind: "output", data });
        if (state.spilled > 0) spilled.push(marker());
      } else if (state.spilled === 0 && state.stored + size <= storedLimit) {
        state.stored += size;
        rows.push({
          task_id: taskId,
          attempt: chunk.attempt,
          kind: "output",
          data: { seq: chunk.seq, stream: chunk.stream, chunk: chunk.chunk },
        });
      } else {
        if (state.spilled === 0) {
          rows.push({ task_id: taskId, attempt: first.attempt, kind: "output_truncated", data: { log_file: file } });
        }
        state.spilled += size;
        spilled.push(chunk.chunk);
      }
    }
    if (rows.length > 0) await db.insert(taskEvents).values(rows);
    // After the insert: a deleted task's late chunks fail there and leave no file behind.
    if (spilled.length > 0) {
      await ensureLogsDir(config.dataDir);
      await appendFile(file, spilled.join(""), { mode: PRIVATE_FILE_MODE });
      await chmod(file, PRIVATE_FILE_MODE);
    }
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
      const key = `${chunk.task_id}:${chunk.attempt}`;
      const seen = live.get(key) ?? 0;
      if (seen > limit || attempts.get(key)?.truncated) return false;
      const size = Buffer.byteLength(chunk.chunk);
      live.set(key, seen + size);
      const list = pending.get(chunk.task_id);
      if (list) list.push(chunk);
      else pending.set(chunk.task_id, [chunk]);
      const kept = seen + size <= limit;
      // The chunk that passes the limit is still queued: the writer turns it into the stored marker.
      const sent = kept ? chunk : { ...chunk, seq: TRUNCATION_MARKER_SEQ, stream: "stderr" as const, chunk: marker() };
      void publish(bus, "task.output", sent);
      timer ??= setTimeout(() => {
        timer = null;
        void flush();
      }, FLUSH_INTERVAL_MS);
      return kept;
    },
    flush,
    forget(taskIds) {
      const gone = new Set(taskIds);
      for (const map of [attempts, live]) {
        for (const key of map.keys()) if (gone.has(key.slice(0, key.indexOf(":")))) map.delete(key);
      }
    },
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
