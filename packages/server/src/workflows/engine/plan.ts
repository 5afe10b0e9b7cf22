// A director's answer becomes nodes of the run. The plan is AI output, so it is read leniently (bare
// JSON, a ```json fence, or the outermost {...}) and checked strictly: ids, tools, dependencies, templates.
// It may come from an AI that read untrusted text, or be forged, so it gets no more than its node allows:
// only the tools in `allowed_tools`, and prompts sent as written (but for the outputs of the plan's own
// tasks) unless the definition opted into rendering them over the run (review A8).
import { DirectorPlan, type ToolId } from "@garageswarm/protocol";
import { type RunEdge, type RunNode, reachableFrom } from "../graph.ts";
import { TemplateLimitError, type TemplateView, templateLimits, templateProblems } from "../template.ts";
import { formatPath } from "../validate.ts";

export interface Expansion {
  nodes: RunNode[];
  edges: RunEdge[];
}

export type PlanResult = { ok: true; expansion: Expansion } | { ok: false; error: string };

export function childId(directorId: string, planTaskId: string): string {
  return `${directorId}/${planTaskId}`;
}

/** What a director may plan with when its definition lists nothing: its own tool, never shell. */
export function defaultPlanTools(tool: ToolId): ToolId[] {
  return tool === "shell" ? [] : [tool];
}

/** The tools a director's plan may use; runs stored before `allowed_tools` existed get the default. */
export function planTools(director: RunNode): ToolId[] {
  return director.allowed_tools ?? defaultPlanTools(director.tool!);
}

const planOutput = /\{\{\s*nodes\.([A-Za-z0-9_-]+)\.output\s*\}\}/g;

/**
 * A plan task's prompt as sent when the director does not render plan prompts: `{{nodes.ID.output}}` of
 * the plan tasks it depends on (checked when the plan expanded) is filled in; every other `{{...}}`, graph
 * nodes' outputs included, stays as written.
 */
export function fillPlanOutputs(prompt: string, view: TemplateView, planTaskIds: ReadonlySet<string>): string {
  let size = prompt.length;
  return prompt.replace(planOutput, (tag, id: string) => {
    const node = planTaskIds.has(id) && Object.hasOwn(view.nodes, id) ? view.nodes[id] : undefined;
    if (!node) return tag;
    const output = typeof node.output === "string" ? node.output : "";
    size += output.length - tag.length;
    if (size > templateLimits.outputSize) {
      throw new TemplateLimitError(`the prompt is longer than ${templateLimits.outputSize} characters`);
    }
    return output;
  });
}

/** Turns the director's output into nodes, or says precisely what is wrong with the plan. */
export function expandPlan(
  director: RunNode,
  output: string,
  structured: unknown,
  /** Graph node ids whose outputs exist when the plan runs (upstream of the director). */
  graphUpstream: ReadonlySet<string>,
  graphNodeIds: ReadonlySet<string>,
): PlanResult {
  const candidate = extractJson(output, structured);
  if (candidate === undefined) return { ok: false, error: "bad plan: the output holds no JSON object" };
  const parsed = DirectorPlan.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: `bad plan: ${formatPath(issue.path) || "plan"}: ${issue.message}` };
  }
  const tasks = parsed.data.tasks;
  const maxTasks = director.max_tasks ?? 20;
  if (tasks.length > maxTasks) {
    return { ok: false, error: `bad plan: ${tasks.length} tasks, more than max_tasks ${maxTasks}` };
  }
  const ids = new Set<string>();
  for (const task of tasks) {
    if (ids.has(task.id)) return { ok: false, error: `bad plan: duplicate task id "${task.id}"` };
    ids.add(task.id);
  }
  const dependsOn = new Map<string, { to: string; loop: boolean }[]>();
  for (const task of tasks) {
    for (const dependency of task.depends_on) {
      if (!ids.has(dependency)) {
        return { ok: false, error: `bad plan: task "${task.id}" depends on unknown task "${dependency}"` };
      }
      if (dependency === task.id) return { ok: false, error: `bad plan: task "${task.id}" depends on itself` };
    }
    dependsOn.set(
      task.id,
      task.depends_on.map((to) => ({ to, loop: false })),
    );
  }
  for (const task of tasks) {
    for (const dependency of task.depends_on) {
      if (reachableFrom(dependency, dependsOn).has(task.id)) {
        return { ok: false, error: `bad plan: tasks "${task.id}" and "${dependency}" depend on each other` };
      }
    }
  }
  const allowed = planTools(director);
  for (const task of tasks) {
    if (!allowed.includes(task.tool)) {
      return {
        ok: false,
        error: `bad plan: task "${task.id}" uses tool "${task.tool}", which director "${director.id}" does not allow (allowed_tools: ${allowed.join(", ") || "none"})`,
      };
    }
  }
  for (const task of tasks) {
    const upstream = new Set(reachableFrom(task.id, dependsOn));
    upstream.delete(task.id);
    if (director.render_plan_prompts) {
      for (const id of graphUpstream) upstream.add(id);
      const problems = templateProblems(task.prompt, { nodeIds: new Set([...graphNodeIds, ...ids]), upstream });
      if (problems.length > 0) return { ok: false, error: `bad plan: task "${task.id}": prompt ${problems[0]}` };
      continue;
    }
    for (const [, id] of task.prompt.matchAll(planOutput)) {
      if (ids.has(id!) && !upstream.has(id!)) {
        return {
          ok: false,
          error: `bad plan: task "${task.id}": prompt {{nodes.${id}.output}} refers to node "${id}", which is not upstream of this node`,
        };
      }
    }
  }

  const nodes = tasks.map((task): RunNode => {
    const node: RunNode = {
      id: childId(director.id, task.id),
      type: "task",
      tool: task.tool,
      prompt: task.prompt,
      retries: director.retries,
      timeout_seconds: director.timeout_seconds,
      requirements: director.requirements,
      parent_id: director.id,
    };
    if (!director.render_plan_prompts) node.literal_prompt = true;
    if (task.model !== undefined) node.model = task.model;
    return node;
  });
  const edges = tasks.flatMap((task): RunEdge[] => {
    const to = childId(director.id, task.id);
    if (task.depends_on.length === 0) {
      return [{ id: `${director.id}->${to}`, from: director.id, to, on: "success", loop: false, parent_link: true }];
    }
    return task.depends_on.map((dependency) => {
      const from = childId(director.id, dependency);
      return { id: `${from}->${to}`, from, to, on: "success", loop: false };
    });
  });
  return { ok: true, expansion: { nodes, edges } };
}

function extractJson(output: string, structured: unknown): unknown {
  if (structured !== null && typeof structured === "object") return structured;
  const attempts = [output.trim()];
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(output);
  if (fenced?.[1]) attempts.push(fenced[1]);
  const start = output.indexOf("{");
  const end = output.lastIndexOf("}");
  if (start >= 0 && end > start) attempts.push(output.slice(start, end + 1));
  for (const text of attempts) {
    try {
      const value: unknown = JSON.parse(text);
      if (value !== null && typeof value === "object") return value;
    } catch {
      // Try the next reading.
    }
  }
  return undefined;
}

/** Appended to a director's prompt so the AI knows the answer's shape. */
export function planInstructions(director: RunNode, tools: readonly string[]): string {
  return [
    "",
    "",
    "Answer with only a JSON object of this shape, and no other text:",
    '{"tasks": [{"id": "short-id", "prompt": "what to do", "tool": "TOOL", "depends_on": ["ids of tasks that must finish first"]}]}',
    `TOOL is one of: ${tools.join(", ")} (a plan naming any other tool is refused). At most ${director.max_tasks ?? 20} tasks.`,
    "A task's prompt may include the output of a task it depends on as {{nodes.ID.output}}.",
  ].join("\n");
}
