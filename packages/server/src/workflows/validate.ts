// Checks a workflow before it is stored: shape (the protocol schema), then meaning — ids, edges, cycles,
// reachability, the shape each workflow type requires, templates, conditions and the schedule.
// Every issue names the node or edge it is about; paths are `definition.nodes[3].prompt`-style.
import {
  effectiveEdges,
  type NodeDefinition,
  WorkflowCreate,
  type WorkflowDefinition,
  type WorkflowType,
} from "@garageswarm/protocol";
import { Cron } from "croner";
import type { z } from "zod";
import { InvalidInputError } from "../errors.ts";
import { conditionProblems } from "./conditions.ts";
import { reachableFrom } from "./graph.ts";
import { templateProblems } from "./template.ts";
import { codeShapeIssues, workspaceIssues } from "./validate-code.ts";

export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult =
  | { ok: true; workflow: WorkflowCreate; issues: [] }
  | { ok: false; workflow: null; issues: ValidationIssue[] };

export function validateWorkflow(body: unknown): ValidationResult {
  const parsed = WorkflowCreate.safeParse(body);
  if (!parsed.success) return { ok: false, workflow: null, issues: schemaIssues(parsed.error.issues, body) };
  const issues = [
    ...definitionIssues(parsed.data.workflow_type, parsed.data.definition),
    ...scheduleIssues(parsed.data.schedule),
  ];
  return issues.length === 0 ? { ok: true, workflow: parsed.data, issues: [] } : { ok: false, workflow: null, issues };
}

/** The workflow, or an InvalidInputError naming the first issue's field (`body.definition.nodes[3].prompt`) and listing all. */
export function parseWorkflow(body: unknown, prefix = "body"): WorkflowCreate {
  const result = validateWorkflow(body);
  if (result.ok) return result.workflow;
  const first = result.issues[0]!;
  const issues = result.issues.map((issue) => ({ field: `${prefix}.${issue.path}`, message: issue.message }));
  throw new InvalidInputError(first.message, `${prefix}.${first.path}`, issues);
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");
}

function schemaIssues(issues: z.core.$ZodIssue[], body: unknown): ValidationIssue[] {
  return issues.map((issue) => {
    const path = issue.path;
    const key = [...path].reverse().find((part) => typeof part === "string");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`
        : `${key === undefined ? "" : `${String(key)} `}${issue.message}`;
    return { path: formatPath(path), message: `${subjectOf(path, body)}${message}` };
  });
}

/** `node "x": ` or `edge "a->b": ` when the path points into one, so the message says which. */
function subjectOf(path: readonly PropertyKey[], body: unknown): string {
  if (path[0] !== "definition" || typeof path[2] !== "number") return "";
  const item = (body as { definition?: Record<string, unknown[]> })?.definition?.[String(path[1])]?.[path[2]];
  if (item === null || typeof item !== "object") return "";
  const { id, from, to } = item as Record<string, unknown>;
  if (path[1] === "nodes") return typeof id === "string" ? `node "${id}": ` : `nodes[${path[2]}]: `;
  if (path[1] === "edges") return `edge "${String(from)}->${String(to)}": `;
  return "";
}

const nodePath = (i: number, field?: string) => `definition.nodes[${i}]${field ? `.${field}` : ""}`;
const edgePath = (i: number, field?: string) => `definition.edges[${i}]${field ? `.${field}` : ""}`;

export function definitionIssues(type: WorkflowType, definition: WorkflowDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { nodes, edges } = definition;
  const indexById = new Map<string, number>();
  nodes.forEach((node, i) => {
    const first = indexById.get(node.id);
    if (first !== undefined) {
      issues.push({ path: nodePath(i, "id"), message: `duplicate node id "${node.id}" (also nodes[${first}])` });
    } else {
      indexById.set(node.id, i);
    }
  });

  const seenEdges = new Map<string, number>();
  edges.forEach((edge, i) => {
    const name = `edge "${edge.from}->${edge.to}"`;
    for (const end of ["from", "to"] as const) {
      if (!indexById.has(edge[end])) {
        issues.push({ path: edgePath(i, end), message: `${name}: unknown node "${edge[end]}"` });
      }
    }
    const key = `${edge.from}->${edge.to}`;
    const first = seenEdges.get(key);
    if (first !== undefined) issues.push({ path: edgePath(i), message: `${name} is a duplicate of edges[${first}]` });
    else seenEdges.set(key, i);
    if (edge.loop && edge.max_iterations === undefined) {
      issues.push({ path: edgePath(i, "max_iterations"), message: `loop ${name} needs max_iterations` });
    }
    if (!edge.loop && edge.max_iterations !== undefined) {
      issues.push({ path: edgePath(i, "loop"), message: `${name} has max_iterations but is not marked loop: true` });
    }
    const source = nodes[indexById.get(edge.from) ?? -1];
    if (edge.when !== undefined && source && source.type !== "condition") {
      issues.push({
        path: edgePath(i, "when"),
        message: `${name}: when follows a condition node, and "${source.id}" is a ${source.type} node`,
      });
    }
    if (edge.condition !== undefined) {
      for (const problem of conditionProblems(edge.condition)) {
        issues.push({ path: edgePath(i, "condition"), message: `${name}: condition: ${problem}` });
      }
    }
  });

  issues.push(...typeShapeIssues(type, definition));
  nodes.forEach((node, i) => {
    for (const issue of codeShapeIssues(node)) {
      issues.push({ path: nodePath(i, issue.field), message: `node "${node.id}": ${issue.message}` });
    }
  });
  if (issues.length > 0) return issues;

  // From here the ids are sound: look at the graph the definition means.
  const all = effectiveEdges(type, definition);
  const forward = new Map<string, { to: string; loop: boolean }[]>(nodes.map((node) => [node.id, []]));
  for (const edge of all) forward.get(edge.from)!.push(edge);

  issues.push(...cycleIssues(definition, forward));
  // Start nodes are those with no non-loop input; with no unmarked cycle every node is reachable from one,
  // so this reports the nodes an unmarked cycle cuts off.
  const hasIncoming = new Set(all.filter((edge) => !edge.loop).map((edge) => edge.to));
  const roots = nodes.filter((node) => !hasIncoming.has(node.id));
  const reached = new Set(roots.flatMap((root) => [...reachableFrom(root.id, forward)]));
  nodes.forEach((node, i) => {
    if (!reached.has(node.id)) {
      issues.push({ path: nodePath(i), message: `node "${node.id}" is unreachable from every start node` });
    }
  });
  if (issues.length > 0) return issues;

  // Upstream for templates follows loop edges too: a loop re-entry sees the outputs of the loop's body.
  const backward = new Map<string, { to: string; loop: boolean }[]>(nodes.map((node) => [node.id, []]));
  for (const edge of all) backward.get(edge.to)!.push({ to: edge.from, loop: edge.loop });
  const nodeIds = new Set(indexById.keys());
  nodes.forEach((node, i) => {
    const ancestors = reachableFrom(node.id, backward, () => true);
    if (!all.some((edge) => edge.loop && reachableFrom(edge.to, forward, () => true).has(node.id))) {
      ancestors.delete(node.id);
    }
    const scope = { nodeIds, upstream: ancestors };
    const check = (field: string, problems: string[]) => {
      for (const problem of problems)
        issues.push({ path: nodePath(i, field), message: `node "${node.id}": ${field} ${problem}` });
    };
    if ("prompt" in node) check("prompt", templateProblems(node.prompt, scope));
    if (node.type === "approval" && node.message !== undefined) check("message", templateProblems(node.message, scope));
    if (node.type === "condition") check("expression", conditionProblems(node.expression, scope));
    for (const issue of workspaceIssues(node, definition, reachableFrom(node.id, backward))) {
      issues.push({ path: nodePath(i, issue.field), message: `node "${node.id}": ${issue.message}` });
    }
  });
  edges.forEach((edge, i) => {
    if (edge.condition === undefined) return;
    const upstream = reachableFrom(edge.from, backward, () => true);
    for (const problem of conditionProblems(edge.condition, { nodeIds, upstream })) {
      issues.push({
        path: edgePath(i, "condition"),
        message: `edge "${edge.from}->${edge.to}": condition: ${problem}`,
      });
    }
  });
  return issues;
}

/** Cycles made of non-loop edges, and loop edges that close no cycle. */
function cycleIssues(
  definition: WorkflowDefinition,
  forward: Map<string, { to: string; loop: boolean }[]>,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  let cycle: string[] | null = null;
  const visit = (id: string) => {
    state.set(id, "open");
    path.push(id);
    for (const edge of forward.get(id) ?? []) {
      if (edge.loop || cycle) continue;
      if (state.get(edge.to) === "open") cycle = [...path.slice(path.indexOf(edge.to)), edge.to];
      else if (!state.has(edge.to)) visit(edge.to);
    }
    path.pop();
    state.set(id, "done");
  };
  for (const node of definition.nodes) if (!state.has(node.id) && !cycle) visit(node.id);
  if (cycle) {
    const found: string[] = cycle;
    const from = found[found.length - 2]!;
    const to = found[found.length - 1]!;
    const index = definition.edges.findIndex((edge) => edge.from === from && edge.to === to);
    issues.push({
      path: index >= 0 ? edgePath(index) : "definition.edges",
      message: `edge "${from}->${to}" closes a cycle (${found.join(" -> ")}); a cycle needs one edge marked loop: true with max_iterations`,
    });
  }
  definition.edges.forEach((edge, i) => {
    if (edge.loop && !reachableFrom(edge.to, forward).has(edge.from)) {
      issues.push({
        path: edgePath(i),
        message: `loop edge "${edge.from}->${edge.to}" closes no cycle: "${edge.to}" is not upstream of "${edge.from}"`,
      });
    }
  });
  return issues;
}

const allowedTypes: Record<WorkflowType, readonly NodeDefinition["type"][]> = {
  graph: ["task", "condition", "approval", "director", "aggregator"],
  sequential: ["task", "approval", "aggregator"],
  concurrent: ["task", "aggregator"],
  mixture: ["task", "aggregator"],
  hierarchical: ["director", "aggregator"],
};

/** What each workflow type requires of its nodes and edges beyond the common schema. */
function typeShapeIssues(type: WorkflowType, definition: WorkflowDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { nodes, edges } = definition;
  const count = (kind: NodeDefinition["type"]) => nodes.filter((node) => node.type === kind);
  nodes.forEach((node, i) => {
    if (!allowedTypes[type].includes(node.type)) {
      issues.push({
        path: nodePath(i, "type"),
        message: `node "${node.id}": a ${type} workflow has no ${node.type} nodes`,
      });
    }
    if (node.type === "director" && node.tool === "shell" && node.allowed_tools === undefined) {
      issues.push({
        path: nodePath(i, "allowed_tools"),
        message: `node "${node.id}": a director whose tool is shell must list allowed_tools (a plan gets shell only when it is listed)`,
      });
    }
    if (node.type === "task" && node.replicas !== undefined && type !== "concurrent") {
      issues.push({
        path: nodePath(i, "replicas"),
        message: `node "${node.id}": replicas is for concurrent workflows only`,
      });
    }
  });
  const tasks = count("task");
  const aggregators = count("aggregator");
  if (type === "concurrent") {
    if (tasks.length !== 1) {
      issues.push({
        path: "definition.nodes",
        message: `a concurrent workflow has exactly one task node (found ${tasks.length})`,
      });
    } else if (tasks[0]!.type === "task" && tasks[0]!.replicas === undefined) {
      const i = nodes.indexOf(tasks[0]!);
      issues.push({
        path: nodePath(i, "replicas"),
        message: `node "${tasks[0]!.id}": replicas is required in a concurrent workflow (a number or "all")`,
      });
    }
  }
  if (type === "mixture") {
    if (tasks.length < 2) {
      issues.push({
        path: "definition.nodes",
        message: `a mixture workflow needs at least two expert task nodes (found ${tasks.length})`,
      });
    }
    if (aggregators.length !== 1) {
      issues.push({
        path: "definition.nodes",
        message: `a mixture workflow has exactly one aggregator (found ${aggregators.length})`,
      });
    }
  } else if (type !== "graph" && type !== "sequential" && aggregators.length > 1) {
    issues.push({
      path: "definition.nodes",
      message: `a ${type} workflow has at most one aggregator (found ${aggregators.length})`,
    });
  }
  if (type === "hierarchical" && count("director").length !== 1) {
    issues.push({
      path: "definition.nodes",
      message: `a hierarchical workflow has exactly one director (found ${count("director").length})`,
    });
  }
  if (type !== "graph" && issues.length === 0) {
    // Other types imply their edges; drawn ones are accepted only when they repeat the implied ones.
    const implied = new Set(effectiveEdges(type, definition).map((edge) => `${edge.from}->${edge.to}`));
    edges.forEach((edge, i) => {
      const plain = !edge.loop && edge.on === "success" && edge.when === undefined && edge.condition === undefined;
      if (!plain || !implied.has(`${edge.from}->${edge.to}`)) {
        issues.push({
          path: edgePath(i),
          message: `edge "${edge.from}->${edge.to}": a ${type} workflow takes its edges from its nodes (${[...implied].join(", ") || "none"}); use workflow_type graph to draw others`,
        });
      }
    });
  }
  return issues;
}

function scheduleIssues(schedule: WorkflowCreate["schedule"]): ValidationIssue[] {
  if (!schedule) return [];
  try {
    new Intl.DateTimeFormat("en", { timeZone: schedule.timezone });
  } catch {
    return [{ path: "schedule.timezone", message: `schedule: unknown time zone "${schedule.timezone}"` }];
  }
  try {
    new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).stop();
  } catch (error) {
    return [
      { path: "schedule.cron", message: `schedule: cron "${schedule.cron}" is not valid: ${(error as Error).message}` },
    ];
  }
  return [];
}
