// The whole data model (DESIGN.md §2). Column names are the wire names: snake_case end to end.
// Closed sets (statuses, kinds, roles) take their values from the protocol's zod enums and are CHECKed,
// so the database refuses a value the contract does not know; jsonb columns carry their wire types.
import {
  ApiKeyScope,
  LimitPolicy,
  NodeStatus,
  type PullRequest,
  ReviewState,
  type RunResult,
  RunStatus,
  RunTrigger,
  type Schedule,
  type TaskRepo,
  type TaskRequirements,
  type TaskResult,
  TaskStatus,
  type TaskWorkspace,
  type ToolId,
  type WorkerCapacity,
  WorkerRole,
  WorkerStatus,
  type WorkerTool,
  type WorkflowDefinition,
  WorkflowStatus,
  WorkflowType,
} from "@garageswarm/protocol";
import { type SQL, sql } from "drizzle-orm";
import {
  type AnyPgColumn,
  bigserial,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { NodeCode } from "../workflows/engine/code.ts";
import type { RunGraph } from "../workflows/graph.ts";
import type { RunTimer } from "../workflows/runs/effects.ts";
import type { StoredRunState } from "../workflows/runs/run-state.ts";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A zod enum's values as the non-empty tuple `text(name, { enum })` types its column with. */
function valuesOf<T extends string>(schema: { options: T[] }): [T, ...T[]] {
  const [first, ...rest] = schema.options;
  if (first === undefined) throw new Error("an enum without values");
  return [first, ...rest];
}

/** `column in ('a', 'b')`: the CHECK of a closed set (the values are the protocol's own literals). */
function isOneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.raw(values.map((value) => `'${value}'`).join(", "))})`;
}

/** What a task's event log holds: status changes, progress reports and live output (with its overflow note). */
export const TASK_EVENT_KINDS = ["status", "progress", "output", "output_truncated"] as const;

type JsonObject = Record<string, unknown>;

/** The usage limit that last parked a task (`tasks.parked`). */
export interface ParkedLimit {
  worker_id: string;
  tool: string;
  kind: string;
  message: string;
  until: string;
}

/** The agent session a parked task resumes (`tasks.resume`): only on that worker, with that tool. */
export interface ResumableSession {
  worker_id: string;
  tool: string;
  session_id: string;
  /** `prompt`: the task's prompt is the session's next turn (a review round); absent: continue (a park). */
  turn?: "prompt";
}

export const users = pgTable(
  "users",
  {
    user_id: uuid("user_id").primaryKey().defaultRandom(),
    username: text("username").notNull(),
    email: text("email").notNull(),
    password_hash: text("password_hash").notNull(),
    is_admin: boolean("is_admin").notNull().default(false),
    is_active: boolean("is_active").notNull().default(true),
    created_at: createdAt(),
    updated_at: updatedAt(),
    last_login_at: ts("last_login_at"),
  },
  (t) => [
    uniqueIndex("users_username_key").on(sql`lower(${t.username})`),
    uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
  ],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    key_id: uuid("key_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    key_hash: text("key_hash").notNull(),
    /** `full`: everything the user may do; `worker`: register, heartbeat, pull, report and the worker socket. */
    scope: text("scope", { enum: valuesOf(ApiKeyScope) })
      .notNull()
      .default("full"),
    /** The key that minted this one (a key made by a key); revoking it revokes this one too. */
    created_by_key_id: uuid("created_by_key_id").references((): AnyPgColumn => apiKeys.key_id, {
      onDelete: "cascade",
    }),
    created_at: createdAt(),
    last_used_at: ts("last_used_at"),
    revoked_at: ts("revoked_at"),
  },
  (t) => [
    uniqueIndex("api_keys_hash_key").on(t.key_hash),
    index("api_keys_user_idx").on(t.user_id),
    index("api_keys_created_by_idx").on(t.created_by_key_id),
    check("api_keys_scope_check", isOneOf(t.scope, ApiKeyScope.options)),
  ],
);

/** Single-use sign-up links an admin hands out when registration is `invite`. */
export const invites = pgTable(
  "invites",
  {
    invite_id: uuid("invite_id").primaryKey().defaultRandom(),
    token_hash: text("token_hash").notNull(),
    created_by_user_id: uuid("created_by_user_id").references(() => users.user_id, { onDelete: "set null" }),
    /** Optional: the invite is only good for this email. */
    email: text("email"),
    expires_at: ts("expires_at").notNull(),
    used_at: ts("used_at"),
    used_by_user_id: uuid("used_by_user_id").references(() => users.user_id, { onDelete: "set null" }),
    revoked_at: ts("revoked_at"),
    created_at: createdAt(),
  },
  (t) => [uniqueIndex("invites_token_hash_key").on(t.token_hash)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    token_id: uuid("token_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    family_id: uuid("family_id").notNull(),
    token_hash: text("token_hash").notNull(),
    created_at: createdAt(),
    expires_at: ts("expires_at").notNull(),
    rotated_at: ts("rotated_at"),
    revoked_at: ts("revoked_at"),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_key").on(t.token_hash), index("refresh_tokens_family_idx").on(t.family_id)],
);

/** Access tokens revoked before expiry (logout, password change): checked on every request. */
export const revokedAccessTokens = pgTable("revoked_access_tokens", {
  jti: uuid("jti").primaryKey(),
  expires_at: ts("expires_at").notNull(),
});

export const workers = pgTable(
  "workers",
  {
    worker_id: uuid("worker_id").primaryKey().defaultRandom(),
    owner_user_id: uuid("owner_user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    machine_id: text("machine_id").notNull(),
    machine_name: text("machine_name").notNull(),
    platform: text("platform").notNull(),
    /** online | offline (workers/lifecycle.ts); draining is a flag beside it, and a deleted worker has no row. */
    status: text("status", { enum: valuesOf(WorkerStatus) })
      .notNull()
      .default("offline"),
    tools: jsonb("tools").$type<WorkerTool[]>().notNull().default(sql`'[]'::jsonb`),
    /** Free-form tags a task's `requirements.labels` must all be among (`gpu`, `os=linux`). */
    labels: jsonb("labels").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** What the machine has (`cpu_cores`, `memory_gb`), for a task's `requirements.min_*`. */
    capacity: jsonb("capacity").$type<WorkerCapacity>().notNull().default(sql`'{}'::jsonb`),
    slots: integer("slots").notNull().default(1),
    running_tasks: integer("running_tasks").notNull().default(0),
    cpu_percent: doublePrecision("cpu_percent"),
    memory_percent: doublePrecision("memory_percent"),
    disk_percent: doublePrecision("disk_percent"),
    /** A phone worker's battery at its last heartbeat that carried one: level and charging, both or neither. */
    battery_percent: doublePrecision("battery_percent"),
    battery_charging: boolean("battery_charging"),
    version: text("version"),
    draining: boolean("draining").notNull().default(false),
    last_heartbeat_at: ts("last_heartbeat_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    uniqueIndex("workers_owner_machine_key").on(t.owner_user_id, t.machine_id),
    check("workers_status_check", isOneOf(t.status, WorkerStatus.options)),
    check("workers_battery_percent_check", sql`${t.battery_percent} between 0 and 100`),
    check("workers_battery_pair_check", sql`(${t.battery_percent} is null) = (${t.battery_charging} is null)`),
  ],
);

export const userWorkers = pgTable(
  "user_workers",
  {
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    worker_id: uuid("worker_id")
      .notNull()
      .references(() => workers.worker_id, { onDelete: "cascade" }),
    role: text("role", { enum: valuesOf(WorkerRole) }).notNull(),
    is_active: boolean("is_active").notNull().default(true),
    /**
     * A share is an offer until its recipient accepts it: only `accepted` rows let the worker run the
     * member's tasks or let the member act on the worker. The registering owner's row is always `accepted`.
     */
    status: text("status", { enum: ["offered", "accepted"] })
      .notNull()
      .default("accepted"),
    /** Who offered the share (the worker's owner at the time); null for the registering owner's own row. */
    offered_by_user_id: uuid("offered_by_user_id").references(() => users.user_id, { onDelete: "set null" }),
    accepted_at: ts("accepted_at"),
    created_at: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.user_id, t.worker_id] }),
    index("user_workers_worker_idx").on(t.worker_id),
    check("user_workers_status_check", sql`${t.status} in ('offered', 'accepted')`),
    check("user_workers_role_check", isOneOf(t.role, WorkerRole.options)),
  ],
);

export const workflows = pgTable(
  "workflows",
  {
    workflow_id: uuid("workflow_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    workflow_type: text("workflow_type", { enum: valuesOf(WorkflowType) }).notNull(),
    definition: jsonb("definition").$type<WorkflowDefinition>().notNull(),
    input: jsonb("input").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    context: jsonb("context").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    schedule: jsonb("schedule").$type<Schedule>(),
    /** A run's limit from its start, in seconds; null: none. */
    timeout_seconds: integer("timeout_seconds"),
    /** How many runs the workflow has had: the last run's `run_number` (bumped by the statement inserting a run). */
    run_count: integer("run_count").notNull().default(0),
    status: text("status", { enum: valuesOf(WorkflowStatus) })
      .notNull()
      .default("active"),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [
    index("workflows_user_idx").on(t.user_id),
    check("workflows_workflow_type_check", isOneOf(t.workflow_type, WorkflowType.options)),
    check("workflows_status_check", isOneOf(t.status, WorkflowStatus.options)),
  ],
);

export const workflowNodes = pgTable(
  "workflow_nodes",
  {
    workflow_id: uuid("workflow_id")
      .notNull()
      .references(() => workflows.workflow_id, { onDelete: "cascade" }),
    node_id: text("node_id").notNull(),
    node_type: text("node_type").notNull(),
    config: jsonb("config").notNull(),
    position: integer("position").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workflow_id, t.node_id] })],
);

export const workflowEdges = pgTable(
  "workflow_edges",
  {
    edge_id: bigserial("edge_id", { mode: "number" }).primaryKey(),
    workflow_id: uuid("workflow_id")
      .notNull()
      .references(() => workflows.workflow_id, { onDelete: "cascade" }),
    from_node: text("from_node").notNull(),
    to_node: text("to_node").notNull(),
    config: jsonb("config").notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index("workflow_edges_workflow_idx").on(t.workflow_id)],
);

export const workflowRuns = pgTable(
  "workflow_runs",
  {
    run_id: uuid("run_id").primaryKey().defaultRandom(),
    workflow_id: uuid("workflow_id")
      .notNull()
      .references(() => workflows.workflow_id, { onDelete: "cascade" }),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    status: text("status", { enum: valuesOf(RunStatus) })
      .notNull()
      .default("pending"),
    trigger: text("trigger", { enum: valuesOf(RunTrigger) })
      .notNull()
      .default("manual"),
    /** Unique per scheduled occurrence so two replicas cannot fire the same one. */
    occurrence_key: text("occurrence_key"),
    /** #1, #2… per workflow, taken from `workflows.run_count` in the statement that inserts the run. */
    run_number: integer("run_number").notNull(),
    graph: jsonb("graph").$type<RunGraph>().notNull(),
    input: jsonb("input").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    /** The engine's state; `{}` on a run that failed before it began (a schedule that could not start one). */
    state: jsonb("state").$type<StoredRunState | { expansions?: undefined }>().notNull().default(sql`'{}'::jsonb`),
    result: jsonb("result").$type<RunResult>(),
    error: text("error"),
    version: integer("version").notNull().default(0),
    /**
     * Retries waiting for their time, `[{node_id, iteration, attempt, due_at}]`, and the run's deadline,
     * `{kind: "run_deadline", timeout_seconds, due_at}`; kept apart from the engine's state.
     */
    timers: jsonb("timers").$type<RunTimer[]>().notNull().default(sql`'[]'::jsonb`),
    /** The earliest timer's due time: the workflow advancer looks at the run again then. */
    wake_at: ts("wake_at"),
    created_at: createdAt(),
    updated_at: updatedAt(),
    started_at: ts("started_at"),
    finished_at: ts("finished_at"),
  },
  (t) => [
    index("workflow_runs_workflow_idx").on(t.workflow_id, t.created_at),
    uniqueIndex("workflow_runs_occurrence_key").on(t.workflow_id, t.occurrence_key),
    uniqueIndex("workflow_runs_number_key").on(t.workflow_id, t.run_number),
    index("workflow_runs_wake_idx")
      .on(t.wake_at)
      .where(sql`${t.status} in ('pending', 'running', 'paused', 'waiting_approval')`),
    check("workflow_runs_status_check", isOneOf(t.status, RunStatus.options)),
    check("workflow_runs_trigger_check", isOneOf(t.trigger, RunTrigger.options)),
  ],
);

export const tasks = pgTable(
  "tasks",
  {
    task_id: uuid("task_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    workflow_id: uuid("workflow_id").references(() => workflows.workflow_id, { onDelete: "set null" }),
    run_id: uuid("run_id").references(() => workflowRuns.run_id, { onDelete: "cascade" }),
    node_id: text("node_id"),
    description: text("description").notNull(),
    prompt: text("prompt").notNull(),
    /** The tool of the current (or last) attempt: while queued, the first of `tools`; a claim sets the one it runs. */
    tool: text("tool").$type<ToolId>().notNull(),
    /** The tools the task may run on, in order of preference; `tool` is always one of them. */
    tools: jsonb("tools").$type<ToolId[]>().notNull(),
    /** What a usage limit does to the task: `wait` for the reset, or `failover` to another tool or worker. */
    on_limit: text("on_limit", { enum: valuesOf(LimitPolicy) })
      .notNull()
      .default("wait"),
    model: text("model"),
    options: jsonb("options").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    priority: integer("priority").notNull().default(0),
    requirements: jsonb("requirements").$type<TaskRequirements>().notNull().default(sql`'{}'::jsonb`),
    timeout_seconds: integer("timeout_seconds").notNull().default(1800),
    max_attempts: integer("max_attempts").notNull().default(3),
    /**
     * Numbers every attempt (unique per task); `attempt - limited_attempts - excused_attempts` is what counts
     * against max_attempts.
     */
    attempt: integer("attempt").notNull().default(0),
    /** Attempts that ended on a usage limit: they do not count against max_attempts. */
    limited_attempts: integer("limited_attempts").notNull().default(0),
    /** Attempts whose lease ran out because the store was down (queue/reaper.ts): they do not count either. */
    excused_attempts: integer("excused_attempts").notNull().default(0),
    /** The last usage limit that parked the task, `{worker_id, tool, kind, message, until}`; cleared by a failure. */
    parked: jsonb("parked").$type<ParkedLimit>(),
    /** The agent session to resume, `{worker_id, tool, session_id}`: only that worker's same tool resumes it. */
    resume: jsonb("resume").$type<ResumableSession>(),
    status: text("status", { enum: valuesOf(TaskStatus) })
      .notNull()
      .default("queued"),
    progress: integer("progress").notNull().default(0),
    worker_id: uuid("worker_id").references(() => workers.worker_id, { onDelete: "set null" }),
    /** Whose machine holds (or last held) the task: kept with the result even if the worker is deleted. */
    worker_owner_user_id: uuid("worker_owner_user_id").references(() => users.user_id, { onDelete: "set null" }),
    pinned_worker_id: uuid("pinned_worker_id").references(() => workers.worker_id, { onDelete: "set null" }),
    lease_token: uuid("lease_token"),
    lease_expires_at: ts("lease_expires_at"),
    available_at: ts("available_at").notNull().defaultNow(),
    score: jsonb("score").$type<JsonObject>(),
    result: jsonb("result").$type<TaskResult>(),
    error: text("error"),
    /** Whether the last failure may go better on another try (the worker's say); null until one fails. */
    failure_retryable: boolean("failure_retryable"),
    created_at: createdAt(),
    updated_at: updatedAt(),
    started_at: ts("started_at"),
    completed_at: ts("completed_at"),
    /** A code task's repository (protocol code.ts); null for a task that works in an empty directory. */
    repo: jsonb("repo").$type<TaskRepo>(),
    /** The finished task this one retries (a fresh task with its inputs), for the "retry of" link. */
    retry_of_task_id: uuid("retry_of_task_id").references((): AnyPgColumn => tasks.task_id, { onDelete: "set null" }),
    /** A review's follow-up: the task whose revision this one continues (its branch, maybe its session). */
    follows_task_id: uuid("follows_task_id").references((): AnyPgColumn => tasks.task_id, { onDelete: "set null" }),
    /** Where a follow-up starts: the branch (and SHAs) of the revision it continues, fixed when it is made. */
    workspace: jsonb("workspace").$type<TaskWorkspace>(),
    /** Which revision of the change a code task makes: 1, then one more per review round. */
    revision: integer("revision"),
    /** The review of a code task's revision: unreviewed → changes_requested | accepted (code.ts). */
    review_state: text("review_state", { enum: valuesOf(ReviewState) }),
    /** The pull request opened on the forge when the revision was accepted. */
    pull_request: jsonb("pull_request").$type<PullRequest>(),
  },
  (t) => [
    index("tasks_user_created_idx").on(t.user_id, t.created_at),
    // At most one follow-up per revision: a second "request changes" on the same task finds it taken.
    uniqueIndex("tasks_follows_key").on(t.follows_task_id),
    // The allocator's repository affinity: which workers ran a task of this repository (allocator/queries.ts).
    index("tasks_worker_repo_idx").on(t.worker_id, sql`(${t.repo}->>'url')`).where(sql`${t.repo} is not null`),
    index("tasks_queue_idx").on(t.priority.desc(), t.available_at, t.created_at).where(sql`${t.status} = 'queued'`),
    // Fair share: each user's best queued task, and how many tasks each user holds right now.
    index("tasks_queue_user_idx")
      .on(t.user_id, t.priority.desc(), t.available_at, t.created_at)
      .where(sql`${t.status} = 'queued'`),
    index("tasks_held_user_idx").on(t.user_id).where(sql`${t.status} in ('assigned', 'running')`),
    index("tasks_lease_idx").on(t.lease_expires_at).where(sql`${t.status} in ('assigned', 'running')`),
    index("tasks_worker_idx").on(t.worker_id),
    // Free-slot checks count a worker's held tasks, not its whole history.
    index("tasks_held_worker_idx").on(t.worker_id).where(sql`${t.status} in ('assigned', 'running')`),
    index("tasks_run_idx").on(t.run_id),
    check(
      "tasks_tools_check",
      sql`jsonb_typeof(${t.tools}) = 'array' and jsonb_array_length(${t.tools}) between 1 and 8 and ${t.tools} @> jsonb_build_array(${t.tool})`,
    ),
    check("tasks_on_limit_check", isOneOf(t.on_limit, LimitPolicy.options)),
    check("tasks_status_check", isOneOf(t.status, TaskStatus.options)),
    check("tasks_limited_attempts_check", sql`${t.limited_attempts} between 0 and ${t.attempt}`),
    check("tasks_excused_attempts_check", sql`${t.excused_attempts} between 0 and ${t.attempt}`),
    check("tasks_review_state_check", isOneOf(t.review_state, ReviewState.options)),
    // A code task has a revision and a review state; any other task has neither.
    check(
      "tasks_code_columns_check",
      sql`(${t.repo} is null and ${t.revision} is null and ${t.review_state} is null and ${t.workspace} is null)
        or (${t.repo} is not null and ${t.revision} >= 1 and ${t.review_state} is not null)`,
    ),
  ],
);

/**
 * The patch of a code task's revision (`git diff --binary base..head`, cumulative over the review chain),
 * kept apart from the task row so listing tasks never reads it. Written in the transaction that completes
 * the task, so a completed code task always has its patch. Bounded by MAX_PATCH_BYTES.
 */
export const taskPatches = pgTable(
  "task_patches",
  {
    task_id: uuid("task_id")
      .primaryKey()
      .references(() => tasks.task_id, { onDelete: "cascade" }),
    patch: text("patch").notNull(),
    bytes: integer("bytes").notNull(),
    sha256: text("sha256").notNull(),
    created_at: createdAt(),
  },
  (t) => [check("task_patches_bytes_check", sql`${t.bytes} >= 0`)],
);

/** A reviewer's comment on a code task's revision: a line of the diff, or the whole change. */
export const reviewComments = pgTable(
  "review_comments",
  {
    comment_id: uuid("comment_id").primaryKey().defaultRandom(),
    task_id: uuid("task_id")
      .notNull()
      .references(() => tasks.task_id, { onDelete: "cascade" }),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    body: text("body").notNull(),
    path: text("path"),
    line: integer("line"),
    side: text("side", { enum: ["old", "new"] })
      .notNull()
      .default("new"),
    /** The follow-up task the comment went back in; null while a draft. */
    sent_in_task_id: uuid("sent_in_task_id").references(() => tasks.task_id, { onDelete: "set null" }),
    created_at: createdAt(),
  },
  (t) => [
    index("review_comments_task_idx").on(t.task_id, t.created_at),
    check("review_comments_side_check", isOneOf(t.side, ["old", "new"])),
    check("review_comments_line_check", sql`${t.line} is null or (${t.path} is not null and ${t.line} > 0)`),
  ],
);

/** Repositories a user saved for the task form: URL, default ref, setup and check commands. */
export const savedRepos = pgTable(
  "saved_repos",
  {
    repo_id: uuid("repo_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    url: text("url").notNull(),
    default_ref: text("default_ref"),
    setup: text("setup"),
    check: text("check"),
    push: boolean("push").notNull().default(false),
    created_at: createdAt(),
    updated_at: updatedAt(),
  },
  (t) => [uniqueIndex("saved_repos_user_name_key").on(t.user_id, t.name)],
);

/**
 * The task of each node attempt of a run. The primary key makes a dispatch idempotent: one task per
 * (run, node, iteration, attempt), whatever crashes or races. `settled` turns true once the run's state
 * has taken in the task's outcome, so the advancer finds unconsumed outcomes by an index.
 */
/**
 * One row per node of a run (plan nodes included): its state in the engine (`NodeState`). The run row's
 * `state` keeps what is the run's own (status, input, context, plans, result), so a step writes the nodes
 * it changed, not the whole run.
 */
export const runNodes = pgTable(
  "run_nodes",
  {
    run_id: uuid("run_id")
      .notNull()
      .references(() => workflowRuns.run_id, { onDelete: "cascade" }),
    node_id: text("node_id").notNull(),
    status: text("status").$type<NodeStatus>().notNull(),
    iteration: integer("iteration").notNull(),
    attempt: integer("attempt").notNull(),
    /** The task of the current attempt (dispatched nodes); kept when the task is deleted, as the run saw it. */
    task_id: uuid("task_id"),
    output: text("output"),
    json: jsonb("json"),
    exit_code: integer("exit_code"),
    error: text("error"),
    /** What the node's latest completed code task changed (engine/code.ts NodeCode); null for the others. */
    code: jsonb("code").$type<NodeCode>(),
  },
  (t) => [
    primaryKey({ columns: [t.run_id, t.node_id] }),
    check("run_nodes_status_check", isOneOf(t.status, NodeStatus.options)),
  ],
);

/** One row per edge of a run (plan edges included): its state in the engine (`EdgeState`). */
export const runEdges = pgTable(
  "run_edges",
  {
    run_id: uuid("run_id")
      .notNull()
      .references(() => workflowRuns.run_id, { onDelete: "cascade" }),
    edge_id: text("edge_id").notNull(),
    status: text("status").$type<"pending" | "taken" | "skipped">().notNull(),
    /** How many times a loop edge has been followed. */
    traversals: integer("traversals").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.run_id, t.edge_id] }),
    check("run_edges_status_check", sql`${t.status} in ('pending', 'taken', 'skipped')`),
  ],
);

export const workflowRunTasks = pgTable(
  "workflow_run_tasks",
  {
    run_id: uuid("run_id")
      .notNull()
      .references(() => workflowRuns.run_id, { onDelete: "cascade" }),
    node_id: text("node_id").notNull(),
    iteration: integer("iteration").notNull(),
    attempt: integer("attempt").notNull(),
    task_id: uuid("task_id")
      .notNull()
      .references(() => tasks.task_id, { onDelete: "cascade" }),
    settled: boolean("settled").notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.run_id, t.node_id, t.iteration, t.attempt] }),
    uniqueIndex("workflow_run_tasks_task_key").on(t.task_id),
    index("workflow_run_tasks_unsettled_idx").on(t.run_id).where(sql`not ${t.settled}`),
  ],
);

export const taskEvents = pgTable(
  "task_events",
  {
    event_id: bigserial("event_id", { mode: "number" }).primaryKey(),
    task_id: uuid("task_id")
      .notNull()
      .references(() => tasks.task_id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull().default(0),
    kind: text("kind", { enum: TASK_EVENT_KINDS }).notNull(),
    data: jsonb("data").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    created_at: createdAt(),
  },
  (t) => [
    index("task_events_task_idx").on(t.task_id, t.event_id),
    check("task_events_kind_check", isOneOf(t.kind, TASK_EVENT_KINDS)),
  ],
);

export const taskTemplates = pgTable("task_templates", {
  template_id: uuid("template_id").primaryKey().defaultRandom(),
  user_id: uuid("user_id")
    .notNull()
    .references(() => users.user_id, { onDelete: "cascade" }),
  name: text("name").notNull(),
  tool: text("tool").notNull(),
  model: text("model"),
  prompt_template: text("prompt_template").notNull(),
  requirements: jsonb("requirements").notNull().default(sql`'{}'::jsonb`),
  created_at: createdAt(),
  updated_at: updatedAt(),
});

export const auditLog = pgTable(
  "audit_log",
  {
    audit_id: bigserial("audit_id", { mode: "number" }).primaryKey(),
    user_id: uuid("user_id"),
    action: text("action").notNull(),
    object_type: text("object_type"),
    object_id: text("object_id"),
    ip: text("ip"),
    detail: jsonb("detail").$type<JsonObject>().notNull().default(sql`'{}'::jsonb`),
    created_at: createdAt(),
  },
  (t) => [index("audit_log_user_idx").on(t.user_id, t.created_at)],
);

/**
 * Pairing codes: short-lived, single-use codes a machine exchanges for a `worker` key of the owner
 * (enrolment/service.ts). Only the code's SHA-256 is kept; `used_at` is set once, by a guarded UPDATE.
 */
export const enrolmentCodes = pgTable(
  "enrolment_codes",
  {
    enrolment_code_id: uuid("enrolment_code_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    code_hash: text("code_hash").notNull(),
    /** The worker name and labels the enrolled machine is given (it may name itself instead). */
    worker_name: text("worker_name"),
    labels: jsonb("labels").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** The `full` key that made the code, if a key did: the worker key minted from it is that key's offspring. */
    created_by_key_id: uuid("created_by_key_id").references(() => apiKeys.key_id, { onDelete: "cascade" }),
    created_at: createdAt(),
    expires_at: ts("expires_at").notNull(),
    used_at: ts("used_at"),
    used_key_id: uuid("used_key_id").references(() => apiKeys.key_id, { onDelete: "set null" }),
  },
  (t) => [
    uniqueIndex("enrolment_codes_hash_key").on(t.code_hash),
    index("enrolment_codes_user_idx").on(t.user_id, t.expires_at),
    check("enrolment_codes_expiry_check", sql`${t.expires_at} > ${t.created_at}`),
    check("enrolment_codes_labels_check", sql`jsonb_typeof(${t.labels}) = 'array'`),
    check("enrolment_codes_used_key_check", sql`${t.used_key_id} is null or ${t.used_at} is not null`),
  ],
);

/** Key/value settings shared by all replicas (allocator weights, first-start marker). */
export const settings = pgTable("settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updated_at: updatedAt(),
});

/**
 * A device that gets its user's Web Push notifications: the browser's push endpoint and keys. One row per
 * user and endpoint, so two people signing in on one browser never touch each other's row.
 */
export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    subscription_id: uuid("subscription_id").primaryKey().defaultRandom(),
    user_id: uuid("user_id")
      .notNull()
      .references(() => users.user_id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull(),
    /** The browser's P-256 public key and auth secret (base64url), for RFC 8291 encryption. */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    label: text("label"),
    user_agent: text("user_agent"),
    created_at: createdAt(),
    last_success_at: ts("last_success_at"),
  },
  (t) => [
    uniqueIndex("push_subscriptions_user_endpoint_key").on(t.user_id, t.endpoint),
    check("push_subscriptions_endpoint_check", sql`${t.endpoint} ~ '^https?://' and length(${t.endpoint}) <= 2048`),
    check(
      "push_subscriptions_keys_check",
      sql`length(${t.p256dh}) between 80 and 100 and length(${t.auth}) between 20 and 30`,
    ),
    check("push_subscriptions_label_check", sql`length(${t.label}) <= 100 and length(${t.user_agent}) <= 500`),
  ],
);
