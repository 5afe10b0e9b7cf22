// Human names for the protocol's enums. Records keyed by the protocol's types, so a value added to the
// protocol fails the typecheck here until it gets a name (and the bundle stays free of zod).
import type {
  LimitPolicy,
  NodeRun,
  NodeStatus,
  NodeType,
  ReviewState,
  RunStatus,
  TaskStatus,
  ToolId,
  WorkerRole,
} from "@garageswarm/protocol";

export const toolLabels: Record<ToolId, string> = {
  claude_code: "Claude Code",
  gemini_cli: "Gemini CLI",
  codex_cli: "Codex CLI",
  ollama: "Ollama",
  anthropic: "Anthropic API",
  gemini_api: "Gemini API",
  openai_compatible: "OpenAI-compatible API",
  shell: "Shell",
};
export const toolIds = Object.keys(toolLabels) as ToolId[];
/** The tools `tool: "any"` may run on: every one that answers a text prompt (the protocol's TEXT_TOOLS). */
export const textToolIds = toolIds.filter((tool) => tool !== "shell");

/** The tools that can work on a repository: the protocol's CODE_TOOLS (a value, kept here to keep zod out). */
export const codeToolIds: readonly ToolId[] = ["claude_code", "codex_cli", "gemini_cli", "shell"];

export const reviewStateLabels: Record<ReviewState, string> = {
  unreviewed: "Waiting for review",
  changes_requested: "Changes requested",
  accepted: "Accepted",
};

export const limitPolicyLabels: Record<LimitPolicy, string> = {
  wait: "Wait for the reset (resumes the same session)",
  failover: "Fail over to the next tool or another worker",
};

export const taskStatusLabels: Record<TaskStatus, string> = {
  pending: "Pending",
  queued: "Queued",
  assigned: "Assigned",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  timed_out: "Timed out",
};
export const taskStatuses = Object.keys(taskStatusLabels) as TaskStatus[];

export const workerRoleLabels: Record<WorkerRole, string> = {
  owner: "Owner: manages the worker",
  operator: "Operator: runs tasks on it",
  viewer: "Viewer: sees it only",
};
export const workerRoles = Object.keys(workerRoleLabels) as WorkerRole[];

export const nodeTypeLabels: Record<NodeType, string> = {
  task: "Task",
  condition: "Condition",
  approval: "Approval",
  director: "Director",
  aggregator: "Aggregator",
};
export const nodeTypes = Object.keys(nodeTypeLabels) as NodeType[];

export const runStatusLabels: Record<RunStatus, string> = {
  pending: "Pending",
  running: "Running",
  paused: "Paused",
  waiting_approval: "Waiting for approval",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
};

/** A node's state as the dashboard shows it: the protocol's, with `running` split by where its task is. */
export type NodeState = NodeStatus | "waiting_for_worker";

/** A node is `running` once its task is dispatched; until a worker takes that task it waits for one. */
export function nodeState(node: Pick<NodeRun, "status" | "task_status">): NodeState {
  const queued = node.task_status === "queued" || node.task_status === "pending";
  return node.status === "running" && queued ? "waiting_for_worker" : node.status;
}

export const nodeStatusLabels: Record<NodeState, string> = {
  pending: "Pending",
  ready: "Ready",
  waiting_for_worker: "Waiting for a worker",
  running: "Running",
  waiting_retry: "Waiting to retry",
  waiting_approval: "Waiting for approval",
  completed: "Completed",
  failed: "Failed",
  skipped: "Skipped",
  cancelled: "Cancelled",
};
