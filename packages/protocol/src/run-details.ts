// What the run page reads beside the run: every task attempt of its nodes (all iterations), and the
// approvals waiting across the user's runs (the inbox).
import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";
import { TaskStatus } from "./tasks.ts";
import { ToolId } from "./tools.ts";

/** One task a node ran: a node has one per attempt, per loop iteration. */
export const NodeAttempt = z.object({
  node_id: z.string(),
  /** How many times a loop had re-entered the node (0 the first time). */
  iteration: z.number().int(),
  /** The node's attempt (1 for the first). */
  attempt: z.number().int(),
  task_id: Uuid,
  status: TaskStatus,
  tool: ToolId,
  /** The prompt as rendered for this attempt (templates filled in). */
  prompt: z.string(),
  worker_id: Uuid.nullable(),
  /** The worker's machine name; null while no worker holds the task (or after the worker was deleted). */
  worker_name: z.string().nullable(),
  output: z.string().nullable(),
  error: z.string().nullable(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
});
export type NodeAttempt = z.infer<typeof NodeAttempt>;

/** A node waiting for a person's approval, with what the inbox shows beside it. */
export const PendingApproval = z.object({
  run_id: Uuid,
  workflow_id: Uuid,
  workflow_name: z.string(),
  run_number: z.number().int(),
  node_id: z.string(),
  /** The approval node's message, if it has one. */
  message: z.string().nullable(),
  /** When the run last changed: about when the node began to wait. */
  waiting_since: Timestamp,
});
export type PendingApproval = z.infer<typeof PendingApproval>;
