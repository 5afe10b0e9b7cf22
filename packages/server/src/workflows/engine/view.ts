// Read-only views of a run: what templates and conditions see, the run's result, the API's node list.
import type { NodeRun, RunResult, TaskStatus } from "@garageswarm/protocol";
import type { GraphIndex } from "../graph.ts";
import type { NodeTemplateView, TemplateView } from "../template.ts";
import type { RunState } from "./state.ts";

function nodeViews(graph: GraphIndex, state: RunState): Record<string, NodeTemplateView> {
  const views: Record<string, NodeTemplateView> = {};
  const replicas = new Map<string, NodeTemplateView[]>();
  for (const id of graph.order) {
    const node = state.nodes[id]!;
    const view = {
      output: node.output,
      json: node.json,
      status: node.status,
      exit_code: node.exit_code,
      error: node.error,
    };
    views[id] = view;
    const base = graph.nodes.get(id)!.replica_of;
    if (base) replicas.set(base, [...(replicas.get(base) ?? []), view]);
  }
  // Replicas answer under their definition id too, as lists, so `{{nodes.ID.output}}` still means something.
  for (const [base, list] of replicas) {
    views[base] = {
      output: list.map((view) => view.output),
      json: list.map((view) => view.json),
      status: list.every((view) => view.status === "completed") ? "completed" : "running",
      exit_code: null,
      error: null,
    };
  }
  return views;
}

/** What JSON Logic conditions read: `{input, context, nodes}`. */
export function conditionData(graph: GraphIndex, state: RunState) {
  return { input: state.input, context: state.context, nodes: nodeViews(graph, state) };
}

export function templateView(graph: GraphIndex, state: RunState, nodeId: string): TemplateView {
  const nodes = nodeViews(graph, state);
  const parent = graph.nodes.get(nodeId)?.parent_id;
  if (parent) {
    // Plan tasks refer to each other by the ids the director gave them.
    for (const sibling of state.expansions[parent]?.nodes ?? []) {
      nodes[sibling.id.slice(parent.length + 1)] = nodes[sibling.id]!;
    }
  }
  return { input: state.input, context: state.context, nodes, upstream: upstreamOutputs(graph, state, nodeId) };
}

/** Outputs of the nodes whose taken edges feed this one; a director stands for its plan's nodes. */
function upstreamOutputs(graph: GraphIndex, state: RunState, nodeId: string): unknown[] {
  const outputs: unknown[] = [];
  for (const edge of graph.incoming.get(nodeId) ?? []) {
    if (edge.loop || edge.parent_link || state.edges[edge.id]?.status !== "taken") continue;
    const expansion = state.expansions[edge.from];
    const sources = expansion ? expansion.nodes.map((child) => child.id) : [edge.from];
    for (const id of sources) {
      const node = state.nodes[id]!;
      if (node.status === "completed" || node.status === "failed") outputs.push(node.output ?? node.error);
    }
  }
  return outputs;
}

/** Outputs of the completed final nodes (a final director answers with its plan's final nodes). */
export function buildResult(graph: GraphIndex, state: RunState): RunResult {
  const outputs: Record<string, string> = {};
  const isFinal = (id: string) => !graph.outgoing.get(id)?.some((edge) => !edge.loop && !edge.parent_link);
  for (const id of graph.order) {
    const node = graph.nodes.get(id)!;
    if (node.parent_id || !isFinal(id)) continue;
    const expansion = state.expansions[id];
    const ids = expansion ? expansion.nodes.map((child) => child.id).filter(isFinal) : [id];
    for (const finalId of ids) {
      const final = state.nodes[finalId]!;
      if (final.status === "completed" && final.output !== null) outputs[finalId] = final.output;
    }
  }
  const values = Object.values(outputs);
  return { output: values.length === 1 ? values[0]! : null, outputs };
}

/** Where a task is now: its status and the worker holding it, as the tasks table says. */
export interface TaskPlace {
  status: TaskStatus;
  worker_id: string | null;
  /** Whose machine holds or ran it (kept after the worker is deleted). */
  worker_owner_user_id: string | null;
}

/**
 * The run's nodes as the API shows them, in graph order (plan nodes after their director); `tasks` holds
 * the current task of each node that has one (a task missing from it shows as unknown: null).
 */
export function nodeRuns(graph: GraphIndex, state: RunState, tasks: ReadonlyMap<string, TaskPlace>): NodeRun[] {
  return graph.order.map((id) => {
    const node = graph.nodes.get(id)!;
    const run = state.nodes[id]!;
    const task = run.task_id ? tasks.get(run.task_id) : undefined;
    return {
      node_id: id,
      type: node.type,
      status: run.status,
      output: run.output,
      error: run.error,
      attempts: run.attempt,
      iteration: run.iteration,
      task_id: run.task_id,
      task_status: task?.status ?? null,
      worker_id: task?.worker_id ?? null,
      worker_owner_user_id: task?.worker_owner_user_id ?? null,
      parent_id: node.parent_id ?? null,
    };
  });
}
