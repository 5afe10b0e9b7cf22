import { z } from "zod";
import { RepoCommand } from "./code.ts";
import { Timestamp, Uuid } from "./common.ts";
import { TaskStatus, WaitingReason } from "./tasks.ts";
import { storableText } from "./text.ts";
import { ToolId } from "./tools.ts";

/**
 * Workflow definitions (DESIGN.md §4). A definition is `{nodes, edges}`; the workflow around it carries
 * its type, default input, context and an optional cron schedule. YAML on the CLI is the same tree.
 */

export const WorkflowType = z.enum(["sequential", "concurrent", "graph", "hierarchical", "mixture"]);
export type WorkflowType = z.infer<typeof WorkflowType>;

/** Node ids appear in templates (`{{nodes.ID.output}}`), so no dots, spaces or slashes. */
export const NodeId = z
  .string({ error: "is required" })
  .min(1, "is required")
  .max(64, "must be at most 64 characters")
  .regex(/^[A-Za-z0-9_-]+$/, "may contain letters, digits, '_' and '-' only");

/** A JSON Logic rule (https://jsonlogic.com); operator names are checked on create. */
export const JsonLogicRule = z.unknown().refine((value) => value !== undefined, "is required");

const Prompt = z.string({ error: "is required" }).min(1, "is required").max(200_000);
const Model = z.string().min(1).max(200);
const Retries = z.number().int().min(0).max(10).default(0);
const TimeoutSeconds = z
  .number()
  .int()
  .min(1)
  .max(7 * 24 * 3600)
  .default(1800);
/**
 * A whole run's limit, counted from its start (paused and waiting-for-approval time included): past it
 * the run fails and its running tasks are cancelled. Null: no limit beyond the nodes' own timeouts.
 */
export const RunTimeoutSeconds = z
  .number({ error: "must be a whole number of seconds" })
  .int("must be a whole number of seconds")
  .min(1, "must be at least 1 second")
  .max(30 * 24 * 3600, "must be at most 30 days (2592000 seconds)");
/** Worker requirements, matched by the allocator: labels, minimum resources, a preferred worker. */
const Requirements = z.record(z.string(), z.unknown()).default({});
const toolError = {
  error: (issue: { input?: unknown }) =>
    issue.input === undefined ? "is required" : `must be one of ${ToolId.options.join(", ")}`,
};

/** Where the editor draws a node (canvas units). Layout only: the engine never reads it. */
export const NodePosition = z
  .object({
    x: z.number({ error: "must be a number" }).min(-1_000_000).max(1_000_000),
    y: z.number({ error: "must be a number" }).min(-1_000_000).max(1_000_000),
  })
  .strict();
export type NodePosition = z.infer<typeof NodePosition>;

const nodeBase = { id: NodeId, name: z.string().max(200).optional(), position: NodePosition.optional() };

/**
 * The repository a task or aggregator node works on: a {@link TaskRepo} whose `url` and `ref` may be
 * templates over `{{input.*}}` and `{{context.*}}`. They are rendered when the node is dispatched and then
 * checked as a TaskRepo's are; a bad rendered value fails the node, naming the field.
 */
export const NodeRepo = z
  .object({
    url: storableText(2_000).pipe(z.string().trim().min(1, "is required")),
    /** Branch, tag or SHA to start from; the remote's default branch when left out. */
    ref: storableText(2_000).pipe(z.string().trim().min(1, "must not be empty")).optional(),
    setup: RepoCommand.optional(),
    check: RepoCommand.optional(),
    /** Push the task's branch to the repository's remote (the worker's own credentials). */
    push: z.boolean().default(false),
  })
  .strict();
export type NodeRepo = z.infer<typeof NodeRepo>;

/**
 * Continue the change of an upstream node: the node's task starts on the branch of `from`'s latest
 * completed attempt (its repository, one revision on). On a loop re-entry a node that made a change since
 * continues its own, unless `from` made a newer one.
 */
export const NodeWorkspace = z.object({ from: NodeId }).strict();
export type NodeWorkspace = z.infer<typeof NodeWorkspace>;

/** What task and aggregator nodes may carry to work on a repository (one of the two, never both). */
const codeFields = { repo: NodeRepo.optional(), workspace: NodeWorkspace.optional() };

/** Runs a tool. `replicas` (concurrent workflows only): N copies, or one per eligible worker with "all". */
export const TaskNode = z
  .object({
    ...nodeBase,
    type: z.literal("task"),
    tool: z.enum(ToolId.options, toolError),
    model: Model.optional(),
    prompt: Prompt,
    retries: Retries,
    timeout_seconds: TimeoutSeconds,
    requirements: Requirements,
    replicas: z.union([z.number().int().min(1).max(100), z.literal("all")]).optional(),
    ...codeFields,
  })
  .strict();

/** Evaluates `expression` (JSON Logic over `{input, context, nodes}`); its output is the boolean. */
export const ConditionNode = z
  .object({ ...nodeBase, type: z.literal("condition"), expression: JsonLogicRule })
  .strict();

/** Waits for a person. Approved: completes with output `true`; rejected: fails (a failure edge may handle it). */
export const ApprovalNode = z
  .object({ ...nodeBase, type: z.literal("approval"), message: z.string().max(20_000).optional() })
  .strict();

/** An AI that answers with a {@link DirectorPlan}; the plan's tasks become nodes of the run. */
export const DirectorNode = z
  .object({
    ...nodeBase,
    type: z.literal("director"),
    tool: z.enum(ToolId.options, toolError),
    model: Model.optional(),
    prompt: Prompt,
    retries: Retries,
    timeout_seconds: TimeoutSeconds,
    requirements: Requirements,
    /** The largest plan accepted; a bigger one fails the director node. */
    max_tasks: z.number().int().min(1).max(100).default(20),
    /**
     * The tools a plan may give its tasks; a plan naming any other fails the director node. Default: the
     * director's own tool. `shell` only when listed here (a director whose own tool is shell must list it).
     */
    allowed_tools: z
      .array(z.enum(ToolId.options, toolError))
      .min(1, "needs at least one tool")
      .max(ToolId.options.length)
      .refine((tools) => new Set(tools).size === tools.length, "lists a tool twice")
      .optional(),
    /**
     * Dangerous: render plan prompts as templates over the run (`{{input.*}}`, `{{context.*}}`, upstream
     * outputs). A plan is AI output, so this lets it pull the workflow's context into the tasks it writes.
     * Off (default): a plan task's prompt is sent as written, but for `{{nodes.ID.output}}` of the plan's
     * own tasks it depends on.
     */
    render_plan_prompts: z.boolean().optional(),
  })
  .strict();

/** A task that runs after all its upstream nodes, seeing their outputs (`{{upstream}}`, `{{nodes.ID.output}}`). */
export const AggregatorNode = z
  .object({
    ...nodeBase,
    type: z.literal("aggregator"),
    tool: z.enum(ToolId.options, toolError),
    model: Model.optional(),
    prompt: Prompt,
    retries: Retries,
    timeout_seconds: TimeoutSeconds,
    requirements: Requirements,
    ...codeFields,
  })
  .strict();

export const NodeType = z.enum(["task", "condition", "approval", "director", "aggregator"]);
export type NodeType = z.infer<typeof NodeType>;

export const NodeDefinition = z.discriminatedUnion(
  "type",
  [TaskNode, ConditionNode, ApprovalNode, DirectorNode, AggregatorNode],
  { error: `must be one of ${NodeType.options.join(", ")}` },
);
export type NodeDefinition = z.infer<typeof NodeDefinition>;

/**
 * `when` follows a condition node's boolean; `condition` (JSON Logic over the run plus the source's
 * `output`, `json`, `exit_code`) gates any edge; `on: "failure"` is followed only when the source fails
 * for good, and handles that failure instead of failing the run. `loop` edges close a cycle and are
 * followed at most `max_iterations` times.
 */
export const EdgeDefinition = z
  .object({
    from: NodeId,
    to: NodeId,
    when: z.boolean().optional(),
    condition: JsonLogicRule.optional(),
    on: z.enum(["success", "failure"]).default("success"),
    loop: z.boolean().default(false),
    max_iterations: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type EdgeDefinition = z.infer<typeof EdgeDefinition>;

export const WorkflowDefinition = z
  .object({
    nodes: z.array(NodeDefinition).min(1, "needs at least one node").max(500, "at most 500 nodes"),
    edges: z.array(EdgeDefinition).max(2000, "at most 2000 edges").default([]),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;

/** A cron expression (5 or 6 fields) and an IANA time zone; the server checks both on create. */
export const Schedule = z
  .object({ cron: z.string().min(1, "is required").max(200), timezone: z.string().min(1).max(100).default("UTC") })
  .strict();
export type Schedule = z.infer<typeof Schedule>;

const JsonObject = z.record(z.string(), z.unknown());
export const WorkflowStatus = z.enum(["active", "disabled"]);
export type WorkflowStatus = z.infer<typeof WorkflowStatus>;

export const WorkflowCreate = z
  .object({
    name: z.string({ error: "is required" }).trim().min(1, "is required").max(200),
    description: z.string().max(5000).default(""),
    workflow_type: WorkflowType.default("graph"),
    input: JsonObject.default({}),
    context: JsonObject.default({}),
    schedule: Schedule.nullable().default(null),
    timeout_seconds: RunTimeoutSeconds.nullable().default(null),
    definition: WorkflowDefinition,
  })
  .strict();
export type WorkflowCreate = z.infer<typeof WorkflowCreate>;

/** Any subset of the create fields; the merged workflow is validated as a whole. */
export const WorkflowUpdate = z
  .object({
    name: z.string().trim().min(1, "is required").max(200).optional(),
    description: z.string().max(5000).optional(),
    workflow_type: WorkflowType.optional(),
    input: JsonObject.optional(),
    context: JsonObject.optional(),
    schedule: Schedule.nullable().optional(),
    timeout_seconds: RunTimeoutSeconds.nullable().optional(),
    definition: WorkflowDefinition.optional(),
    status: WorkflowStatus.optional(),
  })
  .strict();
export type WorkflowUpdate = z.infer<typeof WorkflowUpdate>;

export const Workflow = z.object({
  workflow_id: Uuid,
  name: z.string(),
  description: z.string(),
  workflow_type: WorkflowType,
  input: JsonObject,
  context: JsonObject,
  schedule: Schedule.nullable(),
  timeout_seconds: z.number().int().nullable(),
  definition: WorkflowDefinition,
  status: WorkflowStatus,
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Workflow = z.infer<typeof Workflow>;

/** Plan task ids become node ids `DIRECTOR/ID` of the run. */
export const DirectorPlanTask = z
  .object({
    id: NodeId,
    prompt: Prompt,
    tool: z.enum(ToolId.options, toolError),
    model: Model.optional(),
    depends_on: z.array(NodeId).max(100).default([]),
  })
  .strip();

/** What a director node must answer: tasks with dependencies, expanded into nodes of the run. */
export const DirectorPlan = z.object({ tasks: z.array(DirectorPlanTask).min(1, "needs at least one task") });
export type DirectorPlan = z.infer<typeof DirectorPlan>;

/**
 * pending: created, its work not begun (no worker has picked up a task, no condition or approval acted);
 * running; paused: dispatches nothing new; waiting_approval: some node waits for a person; then completed,
 * failed or cancelled.
 */
export const RunStatus = z.enum([
  "pending",
  "running",
  "paused",
  "waiting_approval",
  "completed",
  "failed",
  "cancelled",
]);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * pending: waits for upstream; ready: may start (held while the run is paused); running: a task attempt
 * is out (a director also stays running while its plan's nodes run); waiting_retry: backing off before
 * the next attempt; waiting_approval: waits for a person; then completed, failed, skipped (its branch
 * was not taken) or cancelled.
 */
export const NodeStatus = z.enum([
  "pending",
  "ready",
  "running",
  "waiting_retry",
  "waiting_approval",
  "completed",
  "failed",
  "skipped",
  "cancelled",
]);
export type NodeStatus = z.infer<typeof NodeStatus>;

export const NodeRun = z.object({
  node_id: z.string(),
  type: NodeType,
  status: NodeStatus,
  output: z.string().nullable(),
  error: z.string().nullable(),
  /** The attempt number of the latest attempt (0 before the first). */
  attempts: z.number().int(),
  /** How many times a loop has re-entered this node (0 the first time). */
  iteration: z.number().int(),
  task_id: Uuid.nullable(),
  task_status: TaskStatus.nullable().describe(
    "Status of the node's current task (task_id) as the queue has it now: queued while it waits for a worker " +
      "(the node is running all the same), assigned or running once a worker took it, then its outcome. " +
      "Null when the node has no task.",
  ),
  worker_id: Uuid.nullable().describe(
    "The worker that holds or ran the node's current task; null while it waits for one, or with no task.",
  ),
  worker_owner_user_id: Uuid.nullable().describe(
    "Whose machine holds or ran the node's current task (kept after the worker is deleted); null with no worker.",
  ),
  waiting_reason: WaitingReason.nullable().describe(
    "Why the node's current task is still queued, when no worker can take it now (as the task's waiting_reason); " +
      "null otherwise.",
  ),
  /** Set on nodes a director's plan created. */
  parent_id: z.string().nullable(),
});
export type NodeRun = z.infer<typeof NodeRun>;

export const RunResult = z.object({
  /** The output of the single completed final node, or null when there are several. */
  output: z.string().nullable(),
  /** Outputs of completed final nodes (nodes with no outgoing edge), by node id. */
  outputs: z.record(z.string(), z.string()),
});
export type RunResult = z.infer<typeof RunResult>;

/** What started a run: a person (`manual`), the workflow's schedule, or an API caller. */
export const RunTrigger = z.enum(["manual", "schedule", "api"]);
export type RunTrigger = z.infer<typeof RunTrigger>;

export const WorkflowRun = z.object({
  run_id: Uuid,
  workflow_id: Uuid,
  /** The run's number within its workflow: 1 for the first run, then one more per run (shown as #1, #2…). */
  run_number: z.number().int().positive(),
  status: RunStatus,
  trigger: RunTrigger,
  input: JsonObject,
  nodes: z.array(NodeRun),
  result: RunResult.nullable(),
  error: z.string().nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  /** When the run left pending (its work began); null while pending, or if it ended without beginning. */
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  /** The run's own timeout, counted from `created_at`; null when it has none. */
  timeout_seconds: z.number().int().nullable(),
  /** When the run fails unless it finished: `created_at` + `timeout_seconds`; null when it has no timeout. */
  deadline_at: Timestamp.nullable(),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;

/** `timeout_seconds` replaces the workflow's run timeout for this run only. */
export const WorkflowRunCreate = z
  .object({ input: JsonObject.default({}), timeout_seconds: RunTimeoutSeconds.optional() })
  .strict();
export const ApprovalDecision = z.object({ approved: z.boolean(), comment: z.string().max(5000).optional() }).strict();
