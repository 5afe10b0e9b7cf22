// Every workflow type compiles to one RunGraph, so the engine knows only nodes and edges.
// Input is a validated definition (validate.ts); compile trusts it.
import {
  type EdgeDefinition,
  effectiveEdges,
  type NodeDefinition,
  type WorkflowDefinition,
  type WorkflowType,
} from "@garageswarm/protocol";
import { InvalidInputError } from "../errors.ts";
import { defaultPlanTools } from "./engine/plan.ts";
import { edgeId, type RunEdge, type RunGraph, type RunNode } from "./graph.ts";

export function compileWorkflow(type: WorkflowType, definition: WorkflowDefinition): RunGraph {
  const nodes: RunNode[] = [];
  const copies = new Map<string, string[]>();
  for (const node of definition.nodes) {
    const base = toRunNode(node);
    if (node.type === "task" && typeof node.replicas === "number" && node.replicas > 1) {
      const ids = Array.from({ length: node.replicas }, (_, i) => `${node.id}/${i + 1}`);
      copies.set(node.id, ids);
      nodes.push(...ids.map((id) => ({ ...base, id, replica_of: node.id })));
    } else {
      nodes.push(base);
    }
  }
  const edges: RunEdge[] = [];
  for (const edge of effectiveEdges(type, definition)) {
    for (const from of copies.get(edge.from) ?? [edge.from]) {
      edges.push(toRunEdge(edge, from, edge.to));
    }
  }
  return { workflow_type: type, nodes, edges };
}

function toRunNode(node: NodeDefinition): RunNode {
  const common = { id: node.id, type: node.type, retries: 0, timeout_seconds: 0, requirements: {} };
  switch (node.type) {
    case "condition":
      return { ...common, expression: node.expression };
    case "approval":
      return { ...common, message: node.message ?? `Approve "${node.id}"?` };
    case "task":
    case "aggregator":
    case "director": {
      const runNode: RunNode = {
        ...common,
        tool: node.tool,
        prompt: node.prompt,
        retries: node.retries,
        timeout_seconds: node.timeout_seconds,
        requirements: node.requirements,
      };
      if (node.model !== undefined) runNode.model = node.model;
      if (node.type === "director") {
        runNode.max_tasks = node.max_tasks;
        runNode.allowed_tools = node.allowed_tools ?? defaultPlanTools(node.tool);
        if (node.render_plan_prompts) runNode.render_plan_prompts = true;
      }
      if (node.type === "task" && node.replicas === "all") runNode.replicas = "all";
      if (node.type !== "director" && node.repo !== undefined) runNode.repo = node.repo;
      if (node.type !== "director" && node.workspace !== undefined) runNode.workspace_from = node.workspace.from;
      return runNode;
    }
  }
}

function toRunEdge(edge: EdgeDefinition, from: string, to: string): RunEdge {
  const runEdge: RunEdge = { id: edgeId(from, to), from, to, on: edge.on, loop: edge.loop };
  if (edge.when !== undefined) runEdge.when = edge.when;
  if (edge.condition !== undefined) runEdge.condition = edge.condition;
  if (edge.max_iterations !== undefined) runEdge.max_iterations = edge.max_iterations;
  return runEdge;
}

/**
 * Expands `replicas: "all"` into one node per eligible worker, each pinned to its worker. The run
 * driver calls this at run start, when it knows which workers are eligible.
 */
export function resolveReplicas(graph: RunGraph, workerIds: readonly string[]): RunGraph {
  const fanned = graph.nodes.filter((node) => node.replicas === "all");
  if (fanned.length === 0) return graph;
  if (workerIds.length === 0) {
    throw new InvalidInputError(`node "${fanned[0]!.id}" runs on every eligible worker, and no worker is eligible`);
  }
  const copies = new Map<string, string[]>();
  const nodes = graph.nodes.flatMap((node) => {
    if (node.replicas !== "all") return [node];
    const { replicas: _, ...rest } = node;
    const ids = workerIds.map((_, i) => `${node.id}/${i + 1}`);
    copies.set(node.id, ids);
    return workerIds.map((workerId, i) => ({ ...rest, id: ids[i]!, replica_of: node.id, pinned_worker_id: workerId }));
  });
  const edges = graph.edges.flatMap((edge) =>
    (copies.get(edge.from) ?? [edge.from]).flatMap((from) =>
      (copies.get(edge.to) ?? [edge.to]).map((to) => ({ ...edge, id: edgeId(from, to), from, to })),
    ),
  );
  return { ...graph, nodes, edges };
}
