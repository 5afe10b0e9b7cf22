// Group commit, per replica and per kind of report (start, complete, fail): reports arriving while the
// previous batch of their kind is being written go together into the next batch, one statement for all.
// A lone report is written at once, so the batching adds no latency when the queue is quiet; under load a
// batch gathers whatever arrived during the previous write, so it grows with the load by itself.
//
//   idle ──submit──▶ writing ──written, one event-loop turn, none waiting──▶ idle
//                    │     ▲
//                    └─────┘ written, one event-loop turn, some waiting: the next batch (the oldest
//                            reports, one per key, up to maxBatch) is written
//
// Invariants:
// - at most one batch of a kind is in flight per replica; a report waits for at most the batch in flight.
// - a batch holds one report per key (a task): a second report on the same task waits for the next batch,
//   so reports on one task apply in the order they arrived, as they would one statement at a time.
// - every caller gets its own answer: its own row, or its own "fenced out" (undefined), or its own error.
//   A batch whose statement failed changed nothing (one statement), so its reports are written again one
//   at a time and each caller sees what it would have seen alone.
import type { Logger } from "pino";
import type { Db } from "../db/store.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { completeAttempts, failAttempts, startAttempts } from "./batched.ts";
import type { FencedInput } from "./statements.ts";
import { completeAttempt, failAttempt, startAttempt } from "./transitions/report.ts";

export interface GroupCommitOptions<In, Out> {
  /** Reports with the same key never share a batch. */
  key(input: In): string;
  /** The one-report statement, for each report of a batch whose statement failed. */
  writeOne(input: In): Promise<Out>;
  /** The batch statement, also for a batch of one (it is the prepared one); its answers line up with `inputs`. */
  writeMany(inputs: In[]): Promise<Out[]>;
  /** At most this many reports per statement (bounds the statement's size). */
  maxBatch: number;
  /** Told when a batch statement failed and its reports were written one at a time. */
  onBatchFailed?(error: unknown, size: number): void;
}

export interface GroupCommit<In, Out> {
  /** Writes the report with the next batch of its kind; resolves to its own answer. */
  submit(input: In): Promise<Out>;
  /** Batches written so far and the reports they held (for the benchmark and tests). */
  readonly stats: { batches: number; reports: number; largest: number };
}

interface Waiting<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(error: unknown): void;
}

export function createGroupCommit<In, Out>(options: GroupCommitOptions<In, Out>): GroupCommit<In, Out> {
  const waiting: Array<Waiting<In, Out>> = [];
  let writing = false;
  const stats = { batches: 0, reports: 0, largest: 0 };

  /** The oldest waiting reports, one per key, up to maxBatch; the rest keep their places. */
  function takeBatch(): Array<Waiting<In, Out>> {
    const batch: Array<Waiting<In, Out>> = [];
    const keys = new Set<string>();
    let kept = 0;
    for (const entry of waiting) {
      const key = options.key(entry.input);
      if (batch.length < options.maxBatch && !keys.has(key)) {
        keys.add(key);
        batch.push(entry);
      } else {
        waiting[kept++] = entry;
      }
    }
    waiting.length = kept;
    return batch;
  }

  async function writeOne(entry: Waiting<In, Out>): Promise<void> {
    try {
      entry.resolve(await options.writeOne(entry.input));
    } catch (error) {
      entry.reject(error);
    }
  }

  async function write(batch: Array<Waiting<In, Out>>): Promise<void> {
    stats.batches++;
    stats.reports += batch.length;
    stats.largest = Math.max(stats.largest, batch.length);
    let outputs: Out[];
    try {
      outputs = await options.writeMany(batch.map((entry) => entry.input));
    } catch (error) {
      options.onBatchFailed?.(error, batch.length);
      await Promise.all(batch.map(writeOne));
      return;
    }
    for (const [index, entry] of batch.entries()) entry.resolve(outputs[index] as Out);
  }

  async function drain(): Promise<void> {
    writing = true;
    try {
      while (waiting.length > 0) {
        await write(takeBatch());
        // One turn of the event loop before the next batch is taken: PGlite writes on this thread, so reports
        // come in only between writes, and the ones whose requests are already read should join the batch.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      writing = false;
    }
  }

  return {
    stats,
    submit(input) {
      return new Promise<Out>((resolve, reject) => {
        waiting.push({ input, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}

export type StartReport = FencedInput & { leaseExpiresAt: Date };
export type CompleteReport = FencedInput & { result: unknown };
export type FailReport = FencedInput & { error: string; retryable: boolean; sessionId?: string | undefined };

/** A replica's group commits of attempt reports; the service's start, complete and fail go through them. */
export interface ReportCommits {
  readonly start: GroupCommit<StartReport, TaskRow | undefined>;
  readonly complete: GroupCommit<CompleteReport, TaskRow | undefined>;
  readonly fail: GroupCommit<FailReport, TaskRow | undefined>;
}

/** Bounds one statement's size; a batch this large only forms far past what one replica sees. */
const MAX_REPORTS_PER_STATEMENT = 100;

export function createReportCommits(db: Db, log: Logger): ReportCommits {
  const common = {
    key: (report: FencedInput) => report.taskId,
    maxBatch: MAX_REPORTS_PER_STATEMENT,
    onBatchFailed: (error: unknown, size: number) =>
      log.warn({ err: error, size }, "a batch of attempt reports failed; writing them one at a time"),
  };
  return {
    start: createGroupCommit<StartReport, TaskRow | undefined>({
      ...common,
      writeOne: (report) => startAttempt(db, report),
      writeMany: (reports) => startAttempts(db, reports),
    }),
    complete: createGroupCommit<CompleteReport, TaskRow | undefined>({
      ...common,
      writeOne: (report) => completeAttempt(db, report),
      writeMany: (reports) => completeAttempts(db, reports),
    }),
    fail: createGroupCommit<FailReport, TaskRow | undefined>({
      ...common,
      writeOne: (report) => failAttempt(db, report),
      writeMany: (reports) => failAttempts(db, reports),
    }),
  };
}
