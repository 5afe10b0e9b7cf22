// WebSocket messages, one catalogue per direction. Every message is the envelope {type, id, ts, data}.
// `/ws/worker/{worker_id}`: WorkerToServer ⇄ ServerToWorker, authenticated by the worker's API key.
// `/ws/client/{user_id}`: ClientToServer ⇄ ServerToClient, authenticated by the user's access token.
import { z } from "zod";
import { TaskRepo, TaskWorkspace } from "./code.ts";
import { Timestamp, Uuid } from "./common.ts";
import { TaskResult, ToolId, ToolLimit, WorkerTool } from "./tools.ts";

const Percent = z.number().min(0).max(100);

export const ResourceSample = z.object({
  cpu_percent: Percent,
  memory_percent: Percent,
  disk_percent: Percent,
});
export type ResourceSample = z.infer<typeof ResourceSample>;

/**
 * A task as handed to a worker: everything needed to run one attempt, fenced by `attempt_token`. Pushed
 * (`task.assign`) as it is; pulled (`pull-task`) inside a ClaimedTask, which extends it.
 */
export const AssignedTask = z.object({
  task_id: Uuid,
  attempt: z.number().int().positive(),
  attempt_token: Uuid,
  lease_expires_at: Timestamp,
  tool: ToolId,
  model: z.string().nullable(),
  prompt: z.string(),
  options: z.record(z.string(), z.unknown()),
  timeout_seconds: z.number().int().positive(),
  /** Whose task it is: the worker keeps each owner's workdirs apart. */
  owner_user_id: Uuid.optional(),
  /** Resume this agent session (the task was parked by a usage limit on this worker's same tool). */
  resume_session_id: z.string().nullable().optional(),
  /**
   * What the resumed session is told: `continue` where it stopped (a task parked by a usage limit; the
   * default), or this task's `prompt` as a new turn (a review round continuing the agent's session).
   */
  resume_turn: z.enum(["continue", "prompt"]).optional(),
  /** A code task: the repository to work in (code.ts). */
  repo: TaskRepo.nullable().optional(),
  /** A review's follow-up: the branch it continues, instead of a fresh one from `repo.ref`. */
  workspace: TaskWorkspace.nullable().optional(),
});
export type AssignedTask = z.infer<typeof AssignedTask>;

const Fence = { task_id: Uuid, attempt_token: Uuid };

function message<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.object({ type: z.literal(type), id: z.string().max(100), ts: z.string().max(40), data });
}

export const WorkerToServer = z.discriminatedUnion("type", [
  message(
    "hello",
    z.object({
      machine_id: z.string().min(1).max(200),
      version: z.string().max(50).optional(),
      tools: z.array(WorkerTool).max(50),
      slots: z.number().int().min(1).max(256),
      resources: ResourceSample.optional(),
      /** Attempts the worker still holds (after a reconnect): the server renews or cancels them. */
      running: z.array(z.object(Fence)).max(256).default([]),
    }),
  ),
  message(
    "heartbeat",
    ResourceSample.extend({
      running_task_ids: z.array(Uuid).max(256),
      tools: z.array(WorkerTool).max(50).optional(),
    }),
  ),
  message("task.accept", z.object(Fence)),
  message("task.reject", z.object({ ...Fence, reason: z.string().max(2000) })),
  message(
    "task.progress",
    z.object({ ...Fence, progress: z.number().int().min(0).max(100), message: z.string().max(2000).optional() }),
  ),
  message(
    "task.output",
    z.object({
      ...Fence,
      seq: z.number().int().nonnegative(),
      stream: z.enum(["stdout", "stderr", "event"]),
      chunk: z.string().max(262_144),
    }),
  ),
  message("task.complete", z.object({ ...Fence, result: TaskResult })),
  message(
    "task.fail",
    z.object({
      ...Fence,
      error: z.string().max(100_000),
      retryable: z.boolean().default(true),
      result: TaskResult.optional(),
      /** The tool hit a usage limit: the task is parked (or fails over), and the attempt does not count. */
      limit: ToolLimit.optional(),
      /** The agent's session, so a parked task can resume it (Claude Code, Codex). */
      session_id: z.string().min(1).max(200).optional(),
    }),
  ),
]);
export type WorkerToServer = z.infer<typeof WorkerToServer>;

export const ServerToWorker = z.discriminatedUnion("type", [
  message(
    "welcome",
    z.object({ worker_id: Uuid, heartbeat_interval_seconds: z.number().positive(), server_version: z.string() }),
  ),
  message("task.assign", AssignedTask),
  message("task.cancel", z.object({ task_id: Uuid, reason: z.string() })),
  message("worker.drain", z.object({})),
  /** Answer to a worker message with the same `id`: `ok: false` with `error: "stale"` means fenced off. */
  message("ack", z.object({ ok: z.boolean(), error: z.string().optional() })),
]);
export type ServerToWorker = z.infer<typeof ServerToWorker>;

export const TaskUpdate = z.object({
  task_id: Uuid,
  status: z.string(),
  progress: z.number().int(),
  attempt: z.number().int(),
  worker_id: Uuid.nullable(),
  error: z.string().nullable().optional(),
  run_id: Uuid.nullable().optional(),
  node_id: z.string().nullable().optional(),
});

export const ClientToServer = z.discriminatedUnion("type", [
  /** Live output of a task: the stored backlog first, then the tail as it happens. */
  message("subscribe", z.object({ task_id: Uuid })),
  message("unsubscribe", z.object({ task_id: Uuid })),
  message("ping", z.object({})),
]);
export type ClientToServer = z.infer<typeof ClientToServer>;

export const ServerToClient = z.discriminatedUnion("type", [
  message("task.updated", TaskUpdate),
  message(
    "task.output",
    z.object({
      task_id: Uuid,
      attempt: z.number().int(),
      seq: z.number().int(),
      stream: z.enum(["stdout", "stderr", "event"]),
      chunk: z.string(),
    }),
  ),
  message(
    "worker.updated",
    z.object({ worker_id: Uuid, status: z.string(), running_tasks: z.number().int().optional() }),
  ),
  /** A worker's resources at a heartbeat (the envelope's `ts` is when); dashboards draw sparklines from these. */
  message(
    "worker.heartbeat",
    ResourceSample.extend({ worker_id: Uuid, running_tasks: z.number().int().nonnegative().optional() }),
  ),
  message("run.updated", z.object({ run_id: Uuid, workflow_id: Uuid, status: z.string() })),
  message(
    "node.updated",
    z.object({ run_id: Uuid, node_id: z.string(), status: z.string(), task_id: Uuid.nullable().optional() }),
  ),
  message("pong", z.object({})),
  message("error", z.object({ message: z.string() })),
]);
export type ServerToClient = z.infer<typeof ServerToClient>;

/** Builds an envelope with a fresh id and timestamp. */
export function envelope<M extends { type: string; data: unknown }>(type: M["type"], data: M["data"], id?: string) {
  return { type, id: id ?? crypto.randomUUID(), ts: new Date().toISOString(), data } as unknown as M & {
    id: string;
    ts: string;
  };
}
