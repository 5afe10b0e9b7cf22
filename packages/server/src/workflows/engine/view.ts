// Read-only views of a run: what templates and conditions see, the run's result, the API's node list.
import type { NodeRun, RunResult, TaskStatus, WaitingReason } from "@garageswarm/protocol";
import type { GraphIndex } from "../graph.ts";
import type { NodeTemplateView, TemplateView } from "../template.ts";
import type { RunState } from "./state.ts";

// The replicas of each fanned-out definition node, per graph index (built once per index).
const replicaLists = new WeakMap<GraphIndex, Map<string, string[]>>();

function replicasOf(graph: GraphIndex): Map<string, string[]> {
  let replicas = replicaLists.get(graph);
  if (!replicas) {
    replicas = new Map();
    for (const id of graph.order) {
      const base = graph.nodes.get(id)!.replica_of;
      if (base) replicas.set(base, [...(replicas.get(base) ?? []), id]);
    }
    replicaLists.set(graph, replicas);
  }
  return replicas;
}

/** Reads a code task's diff (cut to size) by its task id; the engine is handed one (EngineOptions.diffOf). */
export type DiffOf = (taskId: string) => string | null;

function nodeView(state: RunState, id: string, diffOf: DiffOf | undefined): NodeTemplateView {
  const node = state.nodes[id]!;
  const code = node.code ?? null;
  return {
    output: node.output,
    json: node.json,
    status: node.status,
    exit_code: node.exit_code,
    error: node.error,
    branch: code?.branch ?? null,
    diff: code && diffOf ? diffOf(code.task_id) : null,
    check: code?.check ?? null,
    files: code?.files ?? [],
  };
}

/**
 * `nodes` as templates and conditions see it: every node by id, replicas also under their definition id as
 * lists (so `{{nodes.ID.output}}` still means something), and `aliases` (other names for some nodes).
 * Read lazily: a prompt names a few nodes, and building the view of every node for each of a step's
 * dispatches would make a step cost ready nodes × run size. A view is read when it is looked up, which is
 * while the template renders, so it sees the state as of the render.
 */
function nodeViews(
  graph: GraphIndex,
  state: RunState,
  aliases: ReadonlyMap<string, string>,
  diffOf: DiffOf | undefined,
): Record<string, NodeTemplateView> {
  const replicas = replicasOf(graph);
  const lookup = (key: string): NodeTemplateView | undefined => {
    const alias = aliases.get(key);
    if (alias !== undefined) return lookup(alias);
    const list = replicas.get(key);
    if (list) {
      const views = list.map((id) => nodeView(state, id, diffOf));
      return {
        output: views.map((view) => view.output),
        json: views.map((view) => view.json),
        status: views.every((view) => view.status === "completed") ? "completed" : "running",
        exit_code: null,
        error: null,
        branch: views.map((view) => view.branch),
        diff: views.map((view) => view.diff),
        check: views.map((view) => view.check),
        files: views.map((view) => view.files),
      };
    }
    return graph.nodes.has(key) && state.nodes[key] ? nodeView(state, key, diffOf) : undefined;
  };
  const has = (key: string | symbol) => typeof key === "string" && lookup(key) !== undefined;
  return new Proxy({} as Record<string, NodeTemplateView>, {
    get: (_target, key) => (typeof key === "string" ? lookup(key) : undefined),
    has: (_target, key) => has(key),
    getOwnPropertyDescriptor: (_target, key) =>
      has(key) ? { value: lookup(key as string), writable: true, enumerable: true, configurable: true } : undefined,
    ownKeys: () => [...new Set([...graph.order, ...replicas.keys(), ...aliases.keys()])],
  });
}

/** What JSON Logic conditions read: `{input, context, nodes}`. */
export function conditionData(graph: GraphIndex, state: RunState, diffOf?: DiffOf) {
  return { input: state.input, context: state.context, nodes: nodeViews(graph, state, new Map(), diffOf) };
}

export function templateView(graph: GraphIndex, state: RunState, nodeId: string, diffOf?: DiffOf): TemplateView {
  const aliases = new Map<string, string>();
  const parent = graph.nodes.get(nodeId)?.parent_id;
  if (parent) {
    // Plan tasks refer to each other by the ids the director gave them.
    for (const sibling of state.expansions[parent]?.nodes ?? []) {
      aliases.set(sibling.id.slice(parent.length + 1), sibling.id);
    }
  }
  const nodes = nodeViews(graph, state, aliases, diffOf);
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
  /** Why it is still queued, when it is and no worker can take it now. */
  waiting_reason?: WaitingReason | null;
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
      waiting_reason: task?.waiting_reason ?? null,
      parent_id: node.parent_id ?? null,
    };
  });
}
