import { z } from "zod";
import { PullRequest, ReviewState, TaskRepo } from "./code.ts";
import { CursorQuery, Timestamp, Uuid } from "./common.ts";
import { AssignedTask } from "./realtime.ts";
import { storableObject, storableText } from "./text.ts";
import { CODE_TOOLS, TaskResult, TEXT_TOOLS, ToolId, ToolLimit } from "./tools.ts";

/**
 * Task statuses. `pending` waits on something else (a workflow's upstream node); `queued` may be
 * claimed; `assigned` is claimed by a worker under a lease; `running` was started by it. The last
 * four are terminal.
 */
export const TaskStatus = z.enum([
  "pending",
  "queued",
  "assigned",
  "running",
  "completed",
  "failed",
  "cancelled",
  "timed_out",
]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/** A worker label: a free-form tag such as `gpu` or `os=linux`. */
export const Label = storableText(100).pipe(z.string().min(1, "must not be empty"));

/**
 * What a worker must offer to run a task. A worker qualifies when it carries every label, and its
 * registered capacity reaches each minimum.
 */
export const TaskRequirements = z
  .object({
    labels: z.array(Label).max(20).optional(),
    min_memory_gb: z.number().nonnegative().max(100_000).optional(),
    min_cpu_cores: z.number().int().nonnegative().max(10_000).optional(),
  })
  .strict();
export type TaskRequirements = z.infer<typeof TaskRequirements>;

export const Priority = z.number().int().min(-100).max(100);

/**
 * Which tool runs a task: one tool, a preference list (the first one a worker can run now wins), or
 * `"any"`: every text tool (TEXT_TOOLS), in that order.
 */
export const ToolChoice = z.union([
  ToolId,
  z
    .array(ToolId)
    .min(1, "needs at least one tool")
    .max(8)
    .refine((tools) => new Set(tools).size === tools.length, "lists a tool twice"),
  z.literal("any"),
]);
export type ToolChoice = z.infer<typeof ToolChoice>;

/**
 * What a task does when its tool hits a usage limit: `wait` for the reset (default; the same agent
 * session resumes where the tool allows it), or `failover` to the next tool of its list (or the same tool
 * on another worker) that is not limited itself.
 */
export const LimitPolicy = z.enum(["wait", "failover"]);
export type LimitPolicy = z.infer<typeof LimitPolicy>;

/** Why a queued task is not running yet, in words and as a code clients can act on. */
export const WaitingReason = z.object({
  code: z.enum([
    "backoff",
    "tool_limited",
    "no_online_worker",
    "no_worker_with_tool",
    "model_not_offered",
    "requirements_unmet",
    "pinned_worker_unavailable",
    "workers_busy",
  ]),
  /** e.g. "waiting for the Claude Code limit to reset at 19:00 on laptop". */
  message: z.string(),
  /** When the wait ends by itself (a backoff or a limit's reset), if known. */
  until: Timestamp.nullable(),
});
export type WaitingReason = z.infer<typeof WaitingReason>;

export const TaskCreate = z
  .object({
    description: storableText(10_000).pipe(z.string().trim().min(1, "is required")),
    /** The text handed to the tool; defaults to the description. */
    prompt: storableText(500_000).pipe(z.string().min(1, "must not be empty")).optional(),
    tool: ToolChoice,
    /** With one tool only: a model name means nothing to a list of different tools. */
    model: storableText(200).pipe(z.string().min(1)).optional(),
    on_limit: LimitPolicy.default("wait"),
    priority: Priority.default(0),
    requirements: TaskRequirements.default({}),
    /** Tool-specific options (max turns, permission mode, temperature…), passed to the tool as-is. */
    options: storableObject(64_000).default({}),
    timeout_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .default(1800),
    max_attempts: z.number().int().min(1).max(10).default(3),
    /** Pin the task to this worker: no other worker will be given it. */
    worker_id: Uuid.optional(),
    /** The finished task of yours this one retries: recorded so each links to the other. */
    retry_of: Uuid.optional(),
    /** A code task: the agent works in a worktree of this repository, on a branch of its own. */
    repo: TaskRepo.optional(),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.model !== undefined && typeof value.tool !== "string") {
      context.addIssue({ code: "custom", path: ["model"], message: "needs a single tool, not a list" });
    }
    if (value.model !== undefined && value.tool === "any") {
      context.addIssue({ code: "custom", path: ["model"], message: 'needs a single tool, not "any"' });
    }
    const tools = value.tool === "any" ? TEXT_TOOLS : typeof value.tool === "string" ? [value.tool] : value.tool;
    const cannotEdit = tools.filter((tool) => !CODE_TOOLS.includes(tool));
    if (value.repo !== undefined && cannotEdit.length > 0) {
      context.addIssue({
        code: "custom",
        path: ["repo"],
        message: `needs tools that edit files (${CODE_TOOLS.join(", ")}); ${cannotEdit.join(", ")} cannot`,
      });
    }
  });
export type TaskCreate = z.infer<typeof TaskCreate>;

/** The most tasks one `POST /api/v1/tasks` may create. */
export const MAX_TASKS_PER_CREATE = 1000;

/** Several tasks created together, all or none; the answer lists them in the same order. */
export const TaskCreateBatch = z.array(TaskCreate).min(1, "needs at least one task").max(MAX_TASKS_PER_CREATE);
export type TaskCreateBatch = z.infer<typeof TaskCreateBatch>;

/** The body of `POST /api/v1/tasks`: one task, or a batch of them. */
export const TaskCreateBody = z.union([TaskCreate, TaskCreateBatch]);
export type TaskCreateBody = z.infer<typeof TaskCreateBody>;

/** A PATCH of a task, allowed only while it is not assigned or running. */
export const TaskPatch = z
  .object({
    description: storableText(10_000).pipe(z.string().trim().min(1, "is required")).optional(),
    priority: Priority.optional(),
    requirements: TaskRequirements.optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "must change at least one field");
export type TaskPatch = z.infer<typeof TaskPatch>;

/** Where a task runs or ran: the worker and its owner (another user's machine when the worker was shared). */
export const TaskPlacement = z.object({
  worker_id: Uuid.nullable(),
  machine_name: z.string().nullable(),
  owner_user_id: Uuid,
  owner_username: z.string().nullable(),
});
export type TaskPlacement = z.infer<typeof TaskPlacement>;

export const Task = z.object({
  task_id: Uuid,
  description: z.string(),
  prompt: z.string(),
  /** The tool of the current (or last) attempt; while queued, the first of `tools`. */
  tool: ToolId,
  /** The tools the task may run on, in order of preference (one entry for a single tool). */
  tools: z.array(ToolId),
  on_limit: LimitPolicy,
  model: z.string().nullable(),
  priority: z.number().int(),
  requirements: TaskRequirements,
  options: z.record(z.string(), z.unknown()),
  timeout_seconds: z.number().int(),
  max_attempts: z.number().int(),
  status: TaskStatus,
  /** 0..100, as last reported by the worker. */
  progress: z.number().int(),
  /** The worker holding (or that last held) the task; null while queued. */
  worker_id: Uuid.nullable(),
  /** The worker the task is pinned to, if any. */
  pinned_worker_id: Uuid.nullable(),
  /**
   * Provenance: the worker holding (or that produced) the task and whose machine it is; set when a worker
   * claims it, null while no worker holds it. The owner stays known after the worker is deleted (its
   * `worker_id` and `machine_name` are then null).
   */
  ran_on: TaskPlacement.nullable(),
  /** How many times the task has been claimed; the current attempt's number. */
  attempt: z.number().int(),
  /** Of those attempts, how many ended on a usage limit: they do not count against `max_attempts`. */
  limited_attempts: z.number().int().min(0).optional(),
  result: TaskResult.nullable(),
  error: z.string().nullable(),
  /** Why the allocator chose the worker (set by push assignment), null otherwise. */
  score: z.record(z.string(), z.unknown()).nullable(),
  /** The earliest time the task may be claimed (later than now while backing off after a failure). */
  available_at: Timestamp,
  /** Set while the task is queued and cannot run yet: why, in words and as a code. */
  waiting_reason: WaitingReason.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  workflow_id: Uuid.nullable(),
  run_id: Uuid.nullable(),
  node_id: z.string().nullable(),
  /** The repository of a code task; null for a task that works in an empty directory. */
  repo: TaskRepo.nullable(),
  /** A follow-up of a review: the task whose revision this one continues. */
  /** The task this one retries (`retry_of` when it was created), if it still exists. */
  retry_of_task_id: Uuid.nullable(),
  follows_task_id: Uuid.nullable(),
  /** Which revision of the change this task makes: 1, then one more per review round. Null unless a code task. */
  revision: z.number().int().positive().nullable(),
  /** The review of this task's revision (code.ts); null unless a code task. */
  review_state: ReviewState.nullable(),
  /** The pull request opened when the revision was accepted, if one was. */
  pull_request: PullRequest.nullable(),
});
export type Task = z.infer<typeof Task>;

/** The columns the task list sorts by; `duration` is from start to finish (or to now while running). */
export const TaskSort = z.enum(["created_at", "updated_at", "description", "status", "tool", "duration", "priority"]);
export type TaskSort = z.infer<typeof TaskSort>;

export const TaskListQuery = CursorQuery.extend({
  status: TaskStatus.optional(),
  worker_id: Uuid.optional(),
  workflow_id: Uuid.optional(),
  /** Words the description or prompt contains (case-insensitive). */
  q: z.string().trim().min(1).max(200).optional(),
  /** The tool of the task's current (or last) attempt. */
  tool: ToolId.optional(),
  sort: TaskSort.default("created_at"),
  order: z.enum(["asc", "desc"]).default("desc"),
  /** Skip this many rows instead of following a cursor: for lists that jump to a page number. */
  offset: z.coerce.number().int().min(0).max(100_000).optional(),
})
  .strict()
  .refine((query) => query.offset === undefined || query.cursor === undefined, {
    message: "give either cursor or offset, not both",
    path: ["offset"],
  });
export type TaskListQuery = z.infer<typeof TaskListQuery>;

/** A page of the task list with how many tasks match the filters in all. */
export const TaskListPage = z.object({
  items: z.array(Task),
  next_cursor: z.string().nullable(),
  total: z.number().int().min(0),
});
export type TaskListPage = z.infer<typeof TaskListPage>;

/**
 * A task as handed to the worker that claimed it (pull): the task's view and the attempt it holds. It *is*
 * an AssignedTask, the shape a pushed task has, so the worker runs both alike; the attempt token fences
 * every later report.
 */
export const ClaimedTask = Task.extend(AssignedTask.shape);
export type ClaimedTask = z.infer<typeof ClaimedTask>;

const AttemptToken = z.object({ attempt_token: Uuid });

export const TaskStart = AttemptToken.strict();
export type TaskStart = z.infer<typeof TaskStart>;

export const TaskProgress = AttemptToken.extend({
  progress: z.number().int().min(0).max(100),
  message: z.string().max(2000).optional(),
}).strict();
export type TaskProgress = z.infer<typeof TaskProgress>;

export const TaskComplete = AttemptToken.extend({ result: TaskResult }).strict();
export type TaskComplete = z.infer<typeof TaskComplete>;

/** Live output from a worker without a WebSocket (pull mode), in order, a batch at a time. */
export const TaskOutput = AttemptToken.extend({
  chunks: z
    .array(
      z.object({
        seq: z.number().int().nonnegative(),
        stream: z.enum(["stdout", "stderr", "event"]),
        chunk: z.string().max(262_144),
      }),
    )
    .min(1)
    .max(256),
}).strict();
export type TaskOutput = z.infer<typeof TaskOutput>;

export const TaskFail = AttemptToken.extend({
  /** Tool output may be quoted here; NUL characters and broken unicode are cleaned by the server. */
  error: z.string().min(1, "is required").max(20_000),
  /** False when retrying cannot help (bad prompt, tool refused): the task fails at once. */
  retryable: z.boolean().default(true),
  /** The tool hit a usage limit: the task is parked (or fails over), and the attempt does not count. */
  limit: ToolLimit.optional(),
  /** The agent's session, so a parked task can resume it (Claude Code, Codex). */
  session_id: z.string().min(1).max(200).optional(),
}).strict();
export type TaskFail = z.infer<typeof TaskFail>;
