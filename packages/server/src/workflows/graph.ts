// The run graph: what every workflow type compiles to, stored with each run (workflow_runs.graph).
// It is JSON, so a run keeps the shape it started with even when its workflow is edited later.
import type { NodeRepo, NodeType, ToolId, WorkflowType } from "@garageswarm/protocol";

export interface RunNode {
  id: string;
  type: NodeType;
  tool?: ToolId;
  model?: string;
  prompt?: string;
  retries: number;
  timeout_seconds: number;
  requirements: Record<string, unknown>;
  /** Condition nodes: the JSON Logic rule. */
  expression?: unknown;
  /** Approval nodes: what the person is asked (a template). */
  message?: string;
  /** Director nodes: the largest plan accepted. */
  max_tasks?: number;
  /** Director nodes: the tools a plan may use (absent on runs stored before: see `planTools`). */
  allowed_tools?: ToolId[];
  /** Director nodes: plan prompts are full templates over the run (opted into, dangerous). */
  render_plan_prompts?: boolean;
  /** Plan tasks: only `{{nodes.ID.output}}` of the plan's own tasks is filled in; the rest is sent as written. */
  literal_prompt?: boolean;
  /** A fan-out to every eligible worker, resolved by `resolveReplicas` before the run starts. */
  replicas?: "all";
  /** Replicas keep the id of the definition node they copy. */
  replica_of?: string;
  pinned_worker_id?: string;
  /** Set on nodes a director's plan created. */
  parent_id?: string;
  /** Task and aggregator nodes: the repository they work on (`url` and `ref` are templates). */
  repo?: NodeRepo;
  /** Task and aggregator nodes: the upstream node whose change they continue. */
  workspace_from?: string;
}

export interface RunEdge {
  /** `from->to`, unique in a graph; errors name edges by it. */
  id: string;
  from: string;
  to: string;
  when?: boolean;
  condition?: unknown;
  on: "success" | "failure";
  loop: boolean;
  max_iterations?: number;
  /** Director -> the first nodes of its plan: taken as soon as the plan is expanded. */
  parent_link?: boolean;
}

export interface RunGraph {
  workflow_type: WorkflowType;
  nodes: RunNode[];
  edges: RunEdge[];
}

/** A graph with lookups; built per step because director plans add nodes while a run goes. */
export interface GraphIndex {
  readonly nodes: Map<string, RunNode>;
  /** Node ids in a stable order: definition order, plan nodes right after their director. */
  readonly order: string[];
  readonly edges: RunEdge[];
  readonly incoming: Map<string, RunEdge[]>;
  readonly outgoing: Map<string, RunEdge[]>;
}

export function indexGraph(nodes: RunNode[], edges: RunEdge[]): GraphIndex {
  const index: GraphIndex = {
    nodes: new Map(nodes.map((node) => [node.id, node])),
    order: nodes.map((node) => node.id),
    edges,
    incoming: new Map(nodes.map((node) => [node.id, []])),
    outgoing: new Map(nodes.map((node) => [node.id, []])),
  };
  for (const edge of edges) {
    index.outgoing.get(edge.from)?.push(edge);
    index.incoming.get(edge.to)?.push(edge);
  }
  return index;
}

export function edgeId(from: string, to: string): string {
  return `${from}->${to}`;
}

/** Ids reachable from `start` (itself included) following edges that pass `follow`. */
export function reachableFrom(
  start: string,
  outgoing: Map<string, { to: string; loop: boolean }[]>,
  follow: (edge: { loop: boolean }) => boolean = (edge) => !edge.loop,
): Set<string> {
  const seen = new Set([start]);
  const stack = [start];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const edge of outgoing.get(id) ?? []) {
      if (follow(edge) && !seen.has(edge.to)) {
        seen.add(edge.to);
        stack.push(edge.to);
      }
    }
  }
  return seen;
}
