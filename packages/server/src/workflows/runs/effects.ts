// Feeds events to the pure engine and collects what its actions ask for, without I/O: the step then
// writes all of it in one transaction. Task ids are made here, so a dispatch and the state that records
// its task id are decided together, and a task cancelled within the same step is simply never created.
import { randomUUID } from "node:crypto";
import type { TaskResult } from "@garageswarm/protocol";
import { nodeCodeOf } from "../engine/code.ts";
import {
  applyAll,
  type EngineOptions,
  type RunAction,
  type RunEvent,
  type RunState,
  type StateChanges,
  type Transition,
} from "../engine/state.ts";
import type { RunGraph } from "../graph.ts";
import type { NodeOutcome } from "./queries.ts";

/** A retry waiting for its time; stored on the run row (`timers`), so a restart loses none. */
export interface RetryTimer {
  kind?: "retry";
  node_id: string;
  iteration: number;
  attempt: number;
  due_at: string;
}

/**
 * The run's deadline (its timeout from the start), a timer like the retries: `wake_at` covers it, so the
 * advancer's rescan fires it on whichever replica looks first, after a restart too.
 */
export interface DeadlineTimer {
  kind: "run_deadline";
  timeout_seconds: number;
  due_at: string;
}

export type RunTimer = RetryTimer | DeadlineTimer;

export function deadlineTimer(startedAt: Date, timeoutSeconds: number): DeadlineTimer {
  return {
    kind: "run_deadline",
    timeout_seconds: timeoutSeconds,
    due_at: new Date(startedAt.getTime() + timeoutSeconds * 1000).toISOString(),
  };
}

export type Dispatch = Extract<RunAction, { type: "dispatch" }> & { task_id: string };
export type RunFinished = Extract<RunAction, { type: "run_finished" }>;

export class Effects {
  /** Keyed by task id; insertion order is dispatch order. */
  readonly dispatches = new Map<string, Dispatch>();
  /** Existing tasks to cancel. */
  readonly cancels: string[] = [];
  finished: RunFinished | null = null;
  /** Every node and edge the transitions wrote, with its state before the first of them. */
  readonly changes: StateChanges = { nodes: new Map(), edges: new Map() };

  constructor(
    private readonly graph: RunGraph,
    public state: RunState,
    public timers: RunTimer[],
    private readonly now: Date,
    private readonly options: EngineOptions = {},
    /** The caller hands `state` over (it holds it alone): the engine may change its maps. */
    private ownsState = false,
  ) {}

  /** One transition for the whole batch (applyAll): a step costs what it changes, not nodes × events. */
  feed(events: readonly RunEvent[]): void {
    this.take(applyAll(this.graph, this.state, events, this.options, this.ownsState ? "hand over" : "copy"));
  }

  take(transition: Transition): void {
    // A state a transition made is held by nothing but this.
    if (transition.state !== this.state) this.ownsState = true;
    this.state = transition.state;
    for (const [id, before] of transition.changes.nodes) {
      if (!this.changes.nodes.has(id)) this.changes.nodes.set(id, before);
    }
    for (const [id, before] of transition.changes.edges) {
      if (!this.changes.edges.has(id)) this.changes.edges.set(id, before);
    }
    const created: RunEvent[] = [];
    for (const action of transition.actions) this.perform(action, created);
    // The state records each new task's id before anything else can happen to its node.
    if (created.length > 0) this.feed(created);
  }

  private perform(action: RunAction, created: RunEvent[]): void {
    switch (action.type) {
      case "dispatch": {
        const task_id = randomUUID();
        this.dispatches.set(task_id, { ...action, task_id });
        const { node_id, iteration, attempt } = action;
        created.push({ type: "task_created", node_id, iteration, attempt, task_id });
        return;
      }
      case "cancel_task":
        if (!action.task_id) return;
        if (!this.dispatches.delete(action.task_id)) this.cancels.push(action.task_id);
        return;
      case "schedule_retry":
        this.timers.push({
          node_id: action.node_id,
          iteration: action.iteration,
          attempt: action.attempt,
          due_at: new Date(this.now.getTime() + action.delay_ms).toISOString(),
        });
        return;
      case "request_approval":
        // The node's waiting_approval status is the request: dashboards hear it as node.updated.
        return;
      case "run_finished":
        // The deadline stays on the row for the API to show; wakeAt ignores it from now on.
        this.finished = action;
        this.timers = this.timers.filter((timer) => timer.kind === "run_deadline");
        return;
    }
  }

  /** The earliest timer, when the advancer must look at the run again. */
  wakeAt(): Date | null {
    if (this.finished) return null;
    const times = this.timers.map((timer) => Date.parse(timer.due_at));
    return times.length > 0 ? new Date(Math.min(...times)) : null;
  }
}

/** Timers due at `now` become events (a retry's, or the run's timeout); the rest stay, and so does the deadline. */
export function takeDueTimers(timers: RunTimer[], now: Date): { due: RunEvent[]; remaining: RunTimer[] } {
  const due: RunEvent[] = [];
  const remaining: RunTimer[] = [];
  for (const timer of timers) {
    if (Date.parse(timer.due_at) > now.getTime()) {
      remaining.push(timer);
    } else if (timer.kind === "run_deadline") {
      // Kept: the run it ends still shows its deadline.
      remaining.push(timer);
      due.push({ type: "run_timed_out", timeout_seconds: timer.timeout_seconds });
    } else {
      due.push({ type: "retry_due", node_id: timer.node_id, iteration: timer.iteration, attempt: timer.attempt });
    }
  }
  return { due, remaining };
}

/**
 * What a finished task means to its node. A failure may be retried (the node's `retries` decide) unless
 * it was a cancel or the worker said another try cannot help (a missing tool, a refused request).
 */
export function outcomeEvent(outcome: NodeOutcome): RunEvent {
  const ref = { node_id: outcome.node_id, iteration: outcome.iteration, attempt: outcome.attempt };
  switch (outcome.status) {
    case "completed": {
      const result = (outcome.result ?? {}) as Partial<TaskResult>;
      return {
        type: "node_completed",
        ...ref,
        output: typeof result.output === "string" ? result.output : "",
        exit_code: result.exit_code ?? null,
        structured: result.structured,
        code: nodeCodeOf({ ...outcome, code: result.code }),
      };
    }
    case "timed_out":
      return { type: "node_timed_out", ...ref };
    case "cancelled":
      return { type: "node_failed", ...ref, error: outcome.error ?? "its task was cancelled", retryable: false };
    case "failed":
      return {
        type: "node_failed",
        ...ref,
        error: outcome.error ?? "its task failed",
        retryable: outcome.failure_retryable !== false,
      };
  }
}
