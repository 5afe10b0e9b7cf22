// Drives the pure state machine the way the run driver will: keeps the state, remembers what was
// dispatched, and answers for a node's current attempt. Used by the engine's unit tests only.
import { compileWorkflow } from "../compile.ts";
import type { RunGraph } from "../graph.ts";
import { parseWorkflow } from "../validate.ts";
import type { NodeCode } from "./code.ts";
import { apply, type EngineOptions, type RunAction, type RunEvent, type RunState, start } from "./state.ts";

type Dispatch = Extract<RunAction, { type: "dispatch" }>;

export class RunHarness {
  state: RunState;
  readonly actions: RunAction[] = [];
  /** Every dispatch in order: what ran, with which prompt. */
  readonly dispatched: Dispatch[] = [];

  constructor(
    readonly graph: RunGraph,
    input: Record<string, unknown> = {},
    readonly options: EngineOptions = { random: () => 0.5 },
    context: Record<string, unknown> = {},
  ) {
    const transition = start(graph, { input, context }, options);
    this.state = transition.state;
    this.record(transition.actions);
  }

  /** Validates and compiles a definition (as the API would take it), then starts a run of it. */
  static fromWorkflow(body: unknown, input: Record<string, unknown> = {}, options?: EngineOptions) {
    const workflow = parseWorkflow(body);
    const graph = compileWorkflow(workflow.workflow_type, workflow.definition);
    return new RunHarness(graph, { ...workflow.input, ...input }, options, workflow.context);
  }

  send(event: RunEvent): RunAction[] {
    const transition = apply(this.graph, this.state, event, this.options);
    this.state = transition.state;
    this.record(transition.actions);
    return transition.actions;
  }

  private record(actions: RunAction[]) {
    this.actions.push(...actions);
    for (const action of actions) if (action.type === "dispatch") this.dispatched.push(action);
  }

  /** Node ids with an attempt out right now. */
  running(): string[] {
    return Object.entries(this.state.nodes)
      .filter(([id, node]) => node.status === "running" && !this.state.expansions[id])
      .map(([id]) => id);
  }

  private ref(nodeId: string) {
    const node = this.state.nodes[nodeId];
    if (!node) throw new Error(`no node ${nodeId}`);
    return { node_id: nodeId, iteration: node.iteration, attempt: node.attempt };
  }

  complete(
    nodeId: string,
    output: string,
    extra: { exit_code?: number; structured?: unknown; code?: NodeCode | null } = {},
  ) {
    return this.send({ type: "node_completed", ...this.ref(nodeId), output, ...extra });
  }

  fail(nodeId: string, error: string, retryable = true) {
    return this.send({ type: "node_failed", ...this.ref(nodeId), error, retryable });
  }

  retryDue(nodeId: string) {
    const ref = this.ref(nodeId);
    return this.send({ type: "retry_due", ...ref, attempt: ref.attempt + 1 });
  }

  /** Dispatched prompts of one node, oldest first. */
  prompts(nodeId: string): string[] {
    return this.dispatched.filter((action) => action.node_id === nodeId).map((action) => action.prompt);
  }

  finished() {
    return this.actions.find((action) => action.type === "run_finished") ?? null;
  }
}
