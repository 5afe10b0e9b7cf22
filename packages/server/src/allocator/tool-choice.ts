// Which of a task's tools a worker can run now, as a pure function: the first of the task's list that the
// worker offers healthy, not limited (no `limited_until`, or one already passed), taking the task's model
// (any model when the tool lists none or says `any_model`), and under its per-worker cap (`max_concurrent`,
// counted over the tasks of that tool the worker holds). The claim statement (queue/claim-tool.ts) applies
// the same rule in SQL; the allocator and the waiting reasons use this one.
import type { ToolId, WorkerTool } from "@garageswarm/protocol";

export interface ToolNeeds {
  /** In order of preference. */
  tools: readonly string[];
  model: string | null;
}

export interface ToolHolder {
  tools: readonly WorkerTool[];
  /** Tasks the worker holds (assigned or running), by tool. */
  held_by_tool: Readonly<Record<string, number>>;
}

/** Why one tool of the list was passed over on this worker. */
export interface PassedOverTool {
  tool: string;
  code: "not_offered" | "unhealthy" | "limited" | "model_not_offered" | "at_cap";
  reason: string;
  /** For `limited`: when the limit resets. */
  until?: string;
}

export interface ToolChoice {
  /** The tool the worker would run the task with; null when none of the list can run there now. */
  tool: ToolId | null;
  /** The tools of the list before the chosen one (all of them when none was chosen), each with why. */
  passed_over: PassedOverTool[];
}

export function isLimited(entry: Pick<WorkerTool, "limited_until">, now: Date): boolean {
  return Boolean(entry.limited_until) && new Date(entry.limited_until as string).getTime() > now.getTime();
}

export function acceptsModel(entry: Pick<WorkerTool, "models" | "any_model">, model: string | null): boolean {
  return !model || entry.any_model === true || entry.models.length === 0 || entry.models.includes(model);
}

/** Why the worker cannot run the task with `tool` now, or null when it can. */
export function toolRefusal(worker: ToolHolder, tool: string, model: string | null, now: Date): PassedOverTool | null {
  const entry = worker.tools.find((candidate) => candidate.name === tool);
  if (!entry) return { tool, code: "not_offered", reason: `does not have ${tool}` };
  if (entry.healthy === false) {
    const why = entry.auth === "not_logged_in" ? "is not logged in" : "is unhealthy";
    return { tool, code: "unhealthy", reason: `${tool} ${why}` };
  }
  if (isLimited(entry, now)) {
    const until = entry.limited_until as string;
    return { tool, code: "limited", reason: `${tool} is limited until ${until}`, until };
  }
  if (!acceptsModel(entry, model)) return { tool, code: "model_not_offered", reason: `${tool} has no model ${model}` };
  const cap = entry.max_concurrent;
  if (cap !== undefined && (worker.held_by_tool[tool] ?? 0) >= cap) {
    return { tool, code: "at_cap", reason: `${tool} is at its cap of ${cap}` };
  }
  return null;
}

export function chooseTool(worker: ToolHolder, task: ToolNeeds, now: Date): ToolChoice {
  const passed_over: PassedOverTool[] = [];
  for (const tool of task.tools) {
    const refusal = toolRefusal(worker, tool, task.model, now);
    if (!refusal) return { tool: tool as ToolId, passed_over };
    passed_over.push(refusal);
  }
  return { tool: null, passed_over };
}
