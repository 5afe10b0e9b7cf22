// A task's attempts, one per claim, as its event log tells them (GET /api/v1/tasks/{id}/attempts).
import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";

/**
 * How an attempt ended: `offered` (a worker was offered it and has not started), `running`, `completed`,
 * `failed`, `timed_out`, `cancelled`, `retried` (it failed or its lease ran out, and the task went back to the
 * queue), `parked` (the tool hit a usage limit; not counted against max_attempts).
 */
export const AttemptOutcome = z.enum([
  "offered",
  "running",
  "completed",
  "failed",
  "timed_out",
  "cancelled",
  "retried",
  "parked",
]);
export type AttemptOutcome = z.infer<typeof AttemptOutcome>;

export const TaskAttempt = z.object({
  attempt: z.number().int().positive(),
  worker_id: Uuid.nullable(),
  /** Null when the worker has been deleted since. */
  machine_name: z.string().nullable(),
  tool: z.string().nullable(),
  /** When a worker claimed it. */
  started_at: Timestamp,
  /** When it ended; null while it runs. */
  ended_at: Timestamp.nullable(),
  outcome: AttemptOutcome,
  /** Why it ended as it did: the error, "lease expired", "cancelled by user", the usage limit's message. */
  reason: z.string().nullable(),
  /** Who cancelled it: a user, or the task's workflow run. */
  cancelled_by: z
    .object({ user_id: Uuid.nullable(), username: z.string().nullable(), workflow_run: z.boolean() })
    .nullable(),
});
export type TaskAttempt = z.infer<typeof TaskAttempt>;

/** A chunk of a task's stored output (GET /api/v1/tasks/{id}/output), as the live feed sends it. */
export const StoredOutputChunk = z.object({
  attempt: z.number().int(),
  seq: z.number().int(),
  stream: z.enum(["stdout", "stderr", "event"]),
  chunk: z.string(),
});
export type StoredOutputChunk = z.infer<typeof StoredOutputChunk>;
