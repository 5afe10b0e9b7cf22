// The workflow run state machine: a pure function of (run graph, run state, event) -> (new state, actions).
// It does no I/O; the run driver stores the state, performs the actions and feeds events back. The state
// passed in is left as it was (unless the caller hands it over: StateOwnership), and a transition lists the
// nodes and edges it wrote, so the driver stores those alone.
//
// Run: pending -> running once its work has begun (`started`): a worker picked up one of its tasks
//      (task_started, or any outcome of a task), or a node that needs no worker acted (a condition was
//      evaluated, an approval requested, a template failed). Until then a run on a fleet with no eligible
//      worker stays pending.
//      pending | running | waiting_approval -> paused; paused -> pending or running (resume, by `started`);
//      running <-> waiting_approval (some node waits for a person);
//      -> completed (every node terminal, no unhandled failure) | failed | cancelled. Terminal runs ignore events.
//      Any non-terminal run -> failed on run_timed_out (the driver keeps the deadline; pending and paused
//      time count), -> cancelled on cancel.
//
// Node: pending -> ready            every non-loop incoming edge resolved, at least one taken (roots: at start)
//       pending -> skipped          every non-loop incoming edge skipped; its outgoing edges are skipped in turn
//       ready -> running            dispatch (tasks, aggregators, directors); not while the run is paused
//       ready -> completed          condition nodes: evaluated on the spot, output is the boolean
//       ready -> waiting_approval   approval nodes; approved -> completed, rejected -> failed
//       running -> completed        node_completed for the current (iteration, attempt)
//       running -> waiting_retry    node_failed/node_timed_out, retryable, attempts left; retry_due -> ready
//       running -> failed           no attempts left: failure edges are taken, or the run fails
//       director: running (plan expanded) -> completed once every plan node is terminal, so its outgoing
//       edges wait for the whole plan
//       any non-terminal -> cancelled   when the run is cancelled or fails
//
//       code nodes (`repo` or `workspace_from`, code.ts): ready -> failed, without a task or a retry, when
//       the rendered repository is one git must not be given or the upstream has no change to continue;
//       completed keeps the task's change (`code`) for templates, conditions and continuing nodes
//
// Edges: pending -> taken | skipped when their source turns terminal (`on`, `when`, `condition` decide).
// A taken loop edge re-enters its target: the target and everything downstream of it go back to pending
// with iteration + 1 (keeping their latest output and change for templates), and the target is ready at once.
//
// Invariants: a node runs only after all its non-loop inputs resolved; one attempt per node is out at a
// time, and events naming any other (iteration, attempt) are ignored, so a late or repeated result can
// never complete a node twice; a loop edge is followed at most max_iterations times, the next try fails the
// run naming the edge; nothing new is dispatched while paused.
// Bounds: conditions run on budgets (conditions.ts), partly shared by the whole step, templates on theirs
// (template.ts), and a step follows at most `engineStepLimits.loopReentries` loop edges. Past one, the node
// or the run fails: the failure is stored with the state, so no later step (or restart) evaluates it again.
import type { NodeStatus, RunResult, RunStatus, ToolId } from "@garageswarm/protocol";
import { evaluateCondition, type StepUsage } from "../conditions.ts";
import { type GraphIndex, indexGraph, type RunEdge, type RunGraph, type RunNode, reachableFrom } from "../graph.ts";
import { renderTemplate } from "../template.ts";
import { type BackoffOptions, defaultBackoff, retryDelay } from "./backoff.ts";
import { type CodeDispatch, codeDispatch, type DispatchCode, type NodeCode } from "./code.ts";
import { type Expansion, expandPlan, fillPlanOutputs, planInstructions, planTools } from "./plan.ts";
import { buildResult, conditionData, templateView } from "./view.ts";

export interface NodeState {
  status: NodeStatus;
  iteration: number;
  attempt: number;
  output: string | null;
  json: unknown;
  exit_code: number | null;
  error: string | null;
  task_id: string | null;
  /** What the latest completed attempt's code task changed; null when it made no change or is no code task. */
  code: NodeCode | null;
}

export interface EdgeState {
  status: "pending" | "taken" | "skipped";
  /** How many times a loop edge has been followed. */
  traversals: number;
}

export interface RunState {
  status: RunStatus;
  /** Work has begun (see the run states above). Absent on runs stored before `pending` existed: they had begun. */
  started?: boolean;
  input: Record<string, unknown>;
  context: Record<string, unknown>;
  nodes: Record<string, NodeState>;
  edges: Record<string, EdgeState>;
  /** Director id -> the nodes and edges its plan added to this run. */
  expansions: Record<string, Expansion>;
  result: RunResult | null;
  error: string | null;
}

/** Events name the attempt they are about: anything else is stale and ignored. */
type AttemptRef = { node_id: string; iteration: number; attempt: number };
export type RunEvent =
  | (AttemptRef & { type: "task_created"; task_id: string })
  /** A worker picked up one of the run's tasks (it left `queued`), whichever attempt it was: the run has begun. */
  | (AttemptRef & { type: "task_started" })
  | (AttemptRef & {
      type: "node_completed";
      output: string;
      exit_code?: number | null;
      structured?: unknown;
      code?: NodeCode | null;
    })
  | (AttemptRef & { type: "node_failed"; error: string; retryable?: boolean })
  | (AttemptRef & { type: "node_timed_out" })
  /** `attempt` is the attempt to start: the one schedule_retry named. */
  | (AttemptRef & { type: "retry_due" })
  | { type: "approval_decided"; node_id: string; iteration: number; approved: boolean; by?: string; comment?: string }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "cancel"; reason?: string }
  /** The run's own deadline passed: it fails, and its running tasks are cancelled as on cancel. */
  | { type: "run_timed_out"; timeout_seconds: number };

export type RunAction =
  | (AttemptRef & {
      type: "dispatch";
      tool: ToolId;
      model: string | null;
      prompt: string;
      timeout_seconds: number;
      requirements: Record<string, unknown>;
      pinned_worker_id: string | null;
      /** A code node's repository, workspace and revision; null for a task in an empty directory. */
      code: DispatchCode | null;
    })
  | (AttemptRef & { type: "cancel_task"; task_id: string | null })
  | (AttemptRef & { type: "schedule_retry"; delay_ms: number })
  | { type: "request_approval"; node_id: string; iteration: number; message: string }
  | {
      type: "run_finished";
      status: "completed" | "failed" | "cancelled";
      result: RunResult | null;
      error: string | null;
    };

export interface Transition {
  state: RunState;
  actions: RunAction[];
  /** What the transition wrote: each node and edge id with its state before (undefined: it is new). */
  changes: StateChanges;
}

export interface StateChanges {
  nodes: Map<string, NodeState | undefined>;
  edges: Map<string, EdgeState | undefined>;
}

/**
 * "copy" (the default) leaves the state passed in as it was. "hand over" lets the transition change the
 * maps of the state passed in, which the caller then no longer uses: the run driver does so with a state
 * only it holds, so that a step of a large run costs what it changes, not a copy of every node and edge.
 * Node and edge objects are copied before they change either way, so `changes` keeps their old states.
 */
export type StateOwnership = "copy" | "hand over";

const noChanges = (): StateChanges => ({ nodes: new Map(), edges: new Map() });

export interface EngineOptions {
  /** In [0, 1): the jitter of retry delays. */
  random?: () => number;
  backoff?: BackoffOptions;
  /**
   * The diff templates show for a code task (`{{nodes.ID.diff}}`): the run driver reads the patches before
   * the step and hands them in, so the engine does no I/O. Absent: no diff.
   */
  diffOf?: (taskId: string) => string | null;
}

const terminalRun: ReadonlySet<RunStatus> = new Set(["completed", "failed", "cancelled"]);
const terminalNode: ReadonlySet<NodeStatus> = new Set(["completed", "failed", "skipped", "cancelled"]);

export function isRunTerminal(status: RunStatus): boolean {
  return terminalRun.has(status);
}

export function hasStarted(state: Pick<RunState, "started">): boolean {
  return state.started !== false;
}

// A run's graph changes only when a plan expands or a loop drops one, and a step copies `expansions` only
// then, so the index is built once per (graph, expansions) rather than on every step.
const indexes = new WeakMap<RunGraph, WeakMap<RunState["expansions"], GraphIndex>>();

/** The graph as this run sees it: compiled nodes plus what director plans added. */
export function runGraphIndex(graph: RunGraph, state: Pick<RunState, "expansions">): GraphIndex {
  let byExpansions = indexes.get(graph);
  if (!byExpansions) {
    byExpansions = new WeakMap();
    indexes.set(graph, byExpansions);
  }
  let index = byExpansions.get(state.expansions);
  if (!index) {
    index = buildGraphIndex(graph, state);
    byExpansions.set(state.expansions, index);
  }
  return index;
}

function buildGraphIndex(graph: RunGraph, state: Pick<RunState, "expansions">): GraphIndex {
  const nodes: RunNode[] = [];
  const edges: RunEdge[] = [...graph.edges];
  const addWithPlan = (node: RunNode) => {
    nodes.push(node);
    const expansion = state.expansions[node.id];
    if (!expansion) return;
    for (const child of expansion.nodes) addWithPlan(child);
    edges.push(...expansion.edges);
  };
  for (const node of graph.nodes) addWithPlan(node);
  return indexGraph(nodes, edges);
}

/** What one engine step may do on the spot (review B2): loops of conditions alone must not spin in it. */
export const engineStepLimits = {
  /** Loop edges followed in one step: a legitimate step follows each at most once per event it takes in. */
  loopReentries: 1000,
} as const;

/**
 * One transition over a copy-on-write state: the maps (`nodes`, `edges`, `expansions`; not when handed
 * over) and each node or edge are copied the first time the step writes them, so the state passed in is
 * never changed. What the step did not write stays shared with the old state; `changes` lists what it wrote.
 */
class Step {
  graph: GraphIndex;
  readonly actions: RunAction[] = [];
  /** What this step's conditions spent together, checked against `stepLimits`. */
  readonly usage: StepUsage = { evaluations: 0, steps: 0 };
  loopReentries = 0;
  readonly state: RunState;
  readonly changes = noChanges();
  private ownsMaps: boolean;
  private ownsExpansions: boolean;
  private readonly ownNodes = new Set<string>();
  private readonly ownEdges = new Set<string>();
  constructor(
    readonly base: RunGraph,
    state: RunState,
    readonly options: EngineOptions,
    ownership: StateOwnership | "made here",
  ) {
    this.state = ownership === "made here" ? state : { ...state };
    this.ownsMaps = ownership !== "copy";
    this.ownsExpansions = ownership === "made here";
    this.graph = runGraphIndex(base, this.state);
  }
  reindex() {
    this.graph = runGraphIndex(this.base, this.state);
  }
  node(id: string): RunNode {
    return this.graph.nodes.get(id)!;
  }
  private ownMaps() {
    if (this.ownsMaps) return;
    this.state.nodes = { ...this.state.nodes };
    this.state.edges = { ...this.state.edges };
    this.ownsMaps = true;
  }
  /** The node's state, to change. */
  writeNode(id: string): NodeState {
    this.ownMaps();
    if (!this.changes.nodes.has(id)) this.changes.nodes.set(id, this.state.nodes[id]);
    if (!this.ownNodes.has(id)) {
      this.state.nodes[id] = { ...this.state.nodes[id]! };
      this.ownNodes.add(id);
    }
    return this.state.nodes[id]!;
  }
  setNode(id: string, node: NodeState) {
    this.ownMaps();
    if (!this.changes.nodes.has(id)) this.changes.nodes.set(id, this.state.nodes[id]);
    this.state.nodes[id] = node;
    this.ownNodes.add(id);
  }
  deleteNode(id: string) {
    this.ownMaps();
    if (!this.changes.nodes.has(id)) this.changes.nodes.set(id, this.state.nodes[id]);
    delete this.state.nodes[id];
    this.ownNodes.delete(id);
  }
  /** The edge's state, to change. */
  writeEdge(id: string): EdgeState {
    this.ownMaps();
    if (!this.changes.edges.has(id)) this.changes.edges.set(id, this.state.edges[id]);
    if (!this.ownEdges.has(id)) {
      this.state.edges[id] = { ...this.state.edges[id]! };
      this.ownEdges.add(id);
    }
    return this.state.edges[id]!;
  }
  setEdge(id: string, edge: EdgeState) {
    this.ownMaps();
    if (!this.changes.edges.has(id)) this.changes.edges.set(id, this.state.edges[id]);
    this.state.edges[id] = edge;
    this.ownEdges.add(id);
  }
  deleteEdge(id: string) {
    this.ownMaps();
    if (!this.changes.edges.has(id)) this.changes.edges.set(id, this.state.edges[id]);
    delete this.state.edges[id];
    this.ownEdges.delete(id);
  }
  /** `expansions`, to change: a new object, so the graph index cached for the old one stays right. */
  writeExpansions(): Record<string, Expansion> {
    if (!this.ownsExpansions) {
      this.state.expansions = { ...this.state.expansions };
      this.ownsExpansions = true;
    }
    return this.state.expansions;
  }
}

export function start(
  graph: RunGraph,
  init: { input?: Record<string, unknown>; context?: Record<string, unknown> },
  options: EngineOptions = {},
): Transition {
  const fanned = graph.nodes.find((node) => node.replicas === "all");
  if (fanned) throw new Error(`node "${fanned.id}" fans out to all workers: resolveReplicas before starting the run`);
  const state: RunState = {
    status: "pending",
    started: false,
    input: init.input ?? {},
    context: init.context ?? {},
    nodes: Object.fromEntries(graph.nodes.map((node) => [node.id, freshNode()])),
    edges: Object.fromEntries(graph.edges.map((edge) => [edge.id, { status: "pending", traversals: 0 }])),
    expansions: {},
    result: null,
    error: null,
  };
  const step = new Step(graph, state, options, "made here");
  for (const id of step.graph.order) {
    if (!step.graph.incoming.get(id)!.some((edge) => !edge.loop)) state.nodes[id]!.status = "ready";
  }
  advance(step);
  // Every node and edge is new.
  const changes: StateChanges = {
    nodes: new Map(Object.keys(state.nodes).map((id) => [id, undefined])),
    edges: new Map(Object.keys(state.edges).map((id) => [id, undefined])),
  };
  return { state, actions: step.actions, changes };
}

export function apply(
  graph: RunGraph,
  current: RunState,
  event: RunEvent,
  options: EngineOptions = {},
  ownership: StateOwnership = "copy",
): Transition {
  if (isRunTerminal(current.status)) return { state: current, actions: [], changes: noChanges() };
  const step = new Step(graph, current, options, ownership);
  handle(step, event);
  advance(step);
  return { state: step.state, actions: step.actions, changes: step.changes };
}

/**
 * Several events in one transition: as `apply` for each in turn, except that ready nodes are dispatched
 * once at the end. The run driver feeds a step's whole batch of finished tasks
 * this way, so a step costs O(nodes) rather than O(nodes × events). Events after one that ends the run
 * are ignored, as `apply` would.
 */
export function applyAll(
  graph: RunGraph,
  current: RunState,
  events: readonly RunEvent[],
  options: EngineOptions = {},
  ownership: StateOwnership = "copy",
): Transition {
  if (isRunTerminal(current.status) || events.length === 0)
    return { state: current, actions: [], changes: noChanges() };
  const step = new Step(graph, current, options, ownership);
  for (const event of events) {
    if (isRunTerminal(step.state.status)) break;
    handle(step, event);
  }
  advance(step);
  return { state: step.state, actions: step.actions, changes: step.changes };
}

function freshNode(): NodeState {
  return {
    status: "pending",
    iteration: 0,
    attempt: 0,
    output: null,
    json: null,
    exit_code: null,
    error: null,
    task_id: null,
    code: null,
  };
}

/** The node's state when the event names its current, outstanding attempt; otherwise null (stale). */
function current(step: Step, event: AttemptRef, status: NodeStatus): NodeState | null {
  const node = step.state.nodes[event.node_id];
  if (!node || node.status !== status || node.iteration !== event.iteration || node.attempt !== event.attempt) {
    return null;
  }
  // A director whose plan is running has finished its own attempt.
  if (step.state.expansions[event.node_id]) return null;
  return node;
}

function handle(step: Step, event: RunEvent) {
  const { state } = step;
  switch (event.type) {
    case "pause":
      if (state.status === "pending" || state.status === "running" || state.status === "waiting_approval") {
        state.status = "paused";
      }
      return;
    case "resume":
      if (state.status === "paused") state.status = hasStarted(state) ? "running" : "pending";
      return;
    case "cancel":
      return finishRun(step, "cancelled", event.reason ?? null);
    case "run_timed_out":
      return finishRun(step, "failed", `run timed out after ${event.timeout_seconds} s`);
    case "task_created":
      if (current(step, event, "running")) step.writeNode(event.node_id).task_id = event.task_id;
      return;
    case "task_started":
      state.started = true;
      return;
    case "node_completed": {
      if (!current(step, event, "running")) return;
      state.started = true;
      const definition = step.node(event.node_id);
      if (definition.type === "director") return expandDirector(step, definition, event);
      return completeNode(step, event.node_id, event.output, event.exit_code ?? null, event.structured, event.code);
    }
    case "node_failed":
      if (!current(step, event, "running")) return;
      state.started = true;
      return failNode(step, event.node_id, event.error, event.retryable ?? true);
    case "node_timed_out": {
      const node = current(step, event, "running");
      if (!node) return;
      state.started = true;
      step.actions.push({ type: "cancel_task", ...attemptOf(event.node_id, node), task_id: node.task_id });
      return failNode(step, event.node_id, `timed out after ${step.node(event.node_id).timeout_seconds}s`, true);
    }
    case "retry_due": {
      const node = state.nodes[event.node_id];
      if (
        node?.status === "waiting_retry" &&
        node.iteration === event.iteration &&
        node.attempt + 1 === event.attempt
      ) {
        step.writeNode(event.node_id).status = "ready";
      }
      return;
    }
    case "approval_decided": {
      const node = state.nodes[event.node_id];
      if (node?.status !== "waiting_approval" || node.iteration !== event.iteration) return;
      if (event.approved) {
        const json = { approved: true, by: event.by ?? null, comment: event.comment ?? null };
        return completeNode(step, event.node_id, event.comment ?? "approved", null, json);
      }
      const reason = `rejected${event.by ? ` by ${event.by}` : ""}${event.comment ? `: ${event.comment}` : ""}`;
      return failNode(step, event.node_id, reason, false);
    }
  }
}

function attemptOf(nodeId: string, node: NodeState): AttemptRef {
  return { node_id: nodeId, iteration: node.iteration, attempt: node.attempt };
}

function completeNode(
  step: Step,
  id: string,
  output: string,
  exitCode: number | null,
  json?: unknown,
  code?: NodeCode | null,
) {
  const node = step.writeNode(id);
  node.status = "completed";
  node.output = output;
  node.json = json !== undefined ? json : parseJson(output);
  node.exit_code = exitCode;
  node.code = code ?? null;
  node.error = null;
  resolveOutgoing(step, id, "completed");
}

function failNode(step: Step, id: string, error: string, retryable: boolean) {
  const node = step.writeNode(id);
  const definition = step.node(id);
  node.error = error;
  if (retryable && node.attempt < definition.retries + 1) {
    node.status = "waiting_retry";
    const delay = retryDelay(node.attempt, step.options.random ?? Math.random, step.options.backoff ?? defaultBackoff);
    step.actions.push({
      type: "schedule_retry",
      node_id: id,
      iteration: node.iteration,
      attempt: node.attempt + 1,
      delay_ms: delay,
    });
    return;
  }
  node.status = "failed";
  if (!step.graph.outgoing.get(id)!.some((edge) => edge.on === "failure")) {
    return finishRun(step, "failed", `node "${id}" failed: ${error}`);
  }
  resolveOutgoing(step, id, "failed");
}

function resolveOutgoing(step: Step, id: string, outcome: "completed" | "failed" | "skipped") {
  const source = step.state.nodes[id]!;
  const outgoing = step.graph.outgoing.get(id)!;
  const loops: RunEdge[] = [];
  for (const edge of outgoing) {
    let taken = outcome !== "skipped" && (edge.on === "failure") === (outcome === "failed");
    if (taken && edge.when !== undefined) taken = source.json === edge.when;
    if (taken && edge.condition !== undefined) {
      try {
        const data = {
          ...conditionData(step.graph, step.state, step.options.diffOf),
          output: source.output,
          json: source.json,
          exit_code: source.exit_code,
        };
        taken = evaluateCondition(edge.condition, data, step.usage);
      } catch (error) {
        return finishRun(step, "failed", `edge "${edge.id}": condition failed: ${(error as Error).message}`);
      }
    }
    if (edge.loop) {
      if (taken) loops.push(edge);
    } else {
      step.writeEdge(edge.id).status = taken ? "taken" : "skipped";
    }
  }
  // One re-entry per completion: the first taken loop edge resets the body, the source included.
  if (loops[0]) followLoop(step, loops[0]);
}

function followLoop(step: Step, edge: RunEdge) {
  const { state } = step;
  const traversals = state.edges[edge.id]!.traversals;
  const bound = edge.max_iterations ?? 1;
  if (traversals >= bound) {
    return finishRun(
      step,
      "failed",
      `loop edge "${edge.id}" reached its bound: max_iterations ${bound} (followed ${traversals} times)`,
    );
  }
  step.loopReentries += 1;
  if (step.loopReentries > engineStepLimits.loopReentries) {
    return finishRun(
      step,
      "failed",
      `loop edge "${edge.id}": more than ${engineStepLimits.loopReentries} loop re-entries in one engine step; a loop must hold a task or an approval to make progress`,
    );
  }
  step.writeEdge(edge.id).traversals += 1;
  const body = reachableFrom(edge.to, step.graph.outgoing);
  for (const id of body) {
    const node = state.nodes[id]!;
    if (node.status === "running" && !state.expansions[id]) {
      step.actions.push({ type: "cancel_task", ...attemptOf(id, node), task_id: node.task_id });
    }
  }
  // Plans are made afresh on re-entry: drop the old plan's nodes and edges.
  for (const id of body) {
    const expansion = state.expansions[id];
    if (!expansion) continue;
    for (const child of expansion.nodes) step.deleteNode(child.id);
    for (const planEdge of expansion.edges) step.deleteEdge(planEdge.id);
    delete step.writeExpansions()[id];
  }
  for (const id of body) {
    const node = state.nodes[id];
    if (!node) continue;
    step.setNode(id, {
      ...freshNode(),
      iteration: node.iteration + 1,
      output: node.output,
      json: node.json,
      exit_code: node.exit_code,
      code: node.code,
    });
  }
  for (const bodyEdge of step.graph.edges) {
    if (!bodyEdge.loop && body.has(bodyEdge.from) && state.edges[bodyEdge.id])
      step.writeEdge(bodyEdge.id).status = "pending";
  }
  step.reindex();
  step.writeNode(edge.to).status = "ready";
}

function expandDirector(
  step: Step,
  director: RunNode,
  event: { output: string; exit_code?: number | null; structured?: unknown },
) {
  const upstream = reachableFrom(director.id, reverse(step.graph), () => true);
  upstream.delete(director.id);
  const plan = expandPlan(director, event.output, event.structured, upstream, new Set(step.graph.order));
  if (!plan.ok) return failNode(step, director.id, plan.error, true);
  const node = step.writeNode(director.id);
  node.output = event.output;
  node.json = parseJson(event.output);
  node.exit_code = event.exit_code ?? null;
  step.writeExpansions()[director.id] = plan.expansion;
  for (const child of plan.expansion.nodes) step.setNode(child.id, freshNode());
  for (const edge of plan.expansion.edges) {
    step.setEdge(edge.id, { status: edge.parent_link ? "taken" : "pending", traversals: 0 });
  }
  step.reindex();
}

function reverse(graph: GraphIndex): Map<string, { to: string; loop: boolean }[]> {
  return new Map(
    [...graph.incoming].map(([id, edges]) => [id, edges.map((edge) => ({ to: edge.from, loop: edge.loop }))]),
  );
}

/** Moves every node that can move, until nothing changes; then settles the run's own status. */
function advance(step: Step) {
  const { state } = step;
  for (let changed = true; changed && !isRunTerminal(state.status); ) {
    changed = false;
    for (const id of step.graph.order) {
      if (isRunTerminal(state.status)) return;
      // A loop re-entry may have dropped plan nodes this pass still lists.
      const node = state.nodes[id];
      if (!node) continue;
      if (node.status === "pending") {
        const inputs = inputsOf(step, id);
        if (inputs === "unresolved") continue;
        changed = true;
        if (inputs === "some taken") {
          step.writeNode(id).status = "ready";
        } else {
          step.writeNode(id).status = "skipped";
          resolveOutgoing(step, id, "skipped");
        }
      } else if (node.status === "ready" && state.status !== "paused") {
        changed = true;
        activate(step, id);
      } else if (node.status === "running" && state.expansions[id]) {
        const children = state.expansions[id]!.nodes.map((child) => state.nodes[child.id]!);
        if (children.every((child) => terminalNode.has(child.status))) {
          changed = true;
          completeNode(step, id, node.output ?? "", node.exit_code, node.json);
        }
      }
    }
  }
  if (isRunTerminal(state.status)) return;
  const nodes = step.graph.order.map((id) => state.nodes[id]!);
  if (nodes.every((node) => terminalNode.has(node.status))) return finishRun(step, "completed", null);
  if (state.status !== "paused") {
    if (nodes.some((node) => node.status === "waiting_approval")) state.status = "waiting_approval";
    else state.status = hasStarted(state) ? "running" : "pending";
  }
}

/** Whether a pending node can move: its non-loop inputs are unresolved, or resolved with some taken or none. */
function inputsOf(step: Step, id: string): "unresolved" | "some taken" | "all skipped" {
  let inputs = 0;
  let taken = false;
  for (const edge of step.graph.incoming.get(id)!) {
    if (edge.loop) continue;
    inputs += 1;
    const status = step.state.edges[edge.id]!.status;
    if (status === "pending") return "unresolved";
    if (status === "taken") taken = true;
  }
  if (inputs === 0) return "unresolved";
  return taken ? "some taken" : "all skipped";
}

function activate(step: Step, id: string) {
  const definition = step.node(id);
  const node = step.writeNode(id);
  node.attempt += 1;
  node.error = null;
  node.task_id = null;
  // Every node but a dispatched task acts on the spot: the run has begun.
  if (definition.type === "condition" || definition.type === "approval") step.state.started = true;
  if (definition.type === "condition") {
    node.status = "running";
    let value: boolean;
    try {
      value = evaluateCondition(
        definition.expression,
        conditionData(step.graph, step.state, step.options.diffOf),
        step.usage,
      );
    } catch (error) {
      return failNode(step, id, `condition failed: ${(error as Error).message}`, false);
    }
    return completeNode(step, id, String(value), null, value);
  }
  let text: string;
  let code: CodeDispatch;
  try {
    const template = definition.message ?? definition.prompt ?? "";
    const view = templateView(step.graph, step.state, id, step.options.diffOf);
    text = definition.literal_prompt
      ? fillPlanOutputs(template, view, planTaskIds(step, definition.parent_id!))
      : renderTemplate(template, view);
    const upstream = definition.workspace_from ? step.state.nodes[definition.workspace_from]?.code : null;
    code = codeDispatch(definition, view, node.code, upstream ?? null);
  } catch (error) {
    node.status = "running";
    step.state.started = true;
    return failNode(step, id, `template failed: ${(error as Error).message}`, false);
  }
  if (!code.ok) {
    // Another attempt would render the same values from the same run: no retry.
    node.status = "running";
    step.state.started = true;
    return failNode(step, id, code.error, false);
  }
  if (definition.type === "approval") {
    node.status = "waiting_approval";
    step.actions.push({ type: "request_approval", node_id: id, iteration: node.iteration, message: text });
    return;
  }
  node.status = "running";
  if (definition.type === "director") text += planInstructions(definition, planTools(definition));
  step.actions.push({
    type: "dispatch",
    ...attemptOf(id, node),
    tool: definition.tool!,
    model: definition.model ?? null,
    prompt: text,
    timeout_seconds: definition.timeout_seconds,
    requirements: definition.requirements,
    pinned_worker_id: definition.pinned_worker_id ?? null,
    code: code.code,
  });
}

/** The ids a director's plan gave its tasks. */
function planTaskIds(step: Step, directorId: string): Set<string> {
  const nodes = step.state.expansions[directorId]?.nodes ?? [];
  return new Set(nodes.map((node) => node.id.slice(directorId.length + 1)));
}

function finishRun(step: Step, status: "completed" | "failed" | "cancelled", error: string | null) {
  const { state } = step;
  for (const id of step.graph.order) {
    const node = state.nodes[id]!;
    if (terminalNode.has(node.status)) continue;
    if (node.status === "running" && !state.expansions[id]) {
      step.actions.push({ type: "cancel_task", ...attemptOf(id, node), task_id: node.task_id });
    }
    step.writeNode(id).status = "cancelled";
  }
  state.status = status;
  state.error = error;
  state.result = status === "completed" ? buildResult(step.graph, state) : null;
  step.actions.push({ type: "run_finished", status, result: state.result, error });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
