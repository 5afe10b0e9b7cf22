// One step of a run, the only way its state changes:
//   read the row (version, the run's own state) and the node and edge states (run-state.ts: the state this
//   process's last step of the run kept, when the version matches; else their rows) → feed the engine every
//   event waiting (finished tasks not yet settled, due retries, an API action) → in ONE transaction: the
//   guarded UPDATE `where version = <read>`, the node and edge rows the step changed, the tasks it
//   dispatches (with their attempt rows), the cancels, and the outcomes marked settled.
// Invariants: a crash before commit leaves nothing; after commit, everything. A concurrent step (another
// replica, the API) makes the UPDATE match no row, the transaction rolls back, and the step is redone on
// the fresh row. An outcome is fed exactly once (settled in the transaction that took it in), and the
// engine ignores events for any attempt but a node's current one, so no node completes twice.
import { randomUUID } from "node:crypto";
import { TaskRequirements } from "@garageswarm/protocol";
import type { Db } from "../../db/store.ts";
import { cancelTask } from "../../queue/transitions/cancel.ts";
import { insertTasks } from "../../queue/transitions/insert.ts";
import type { Resources } from "../../resources.ts";
import type { TaskRow } from "../../tasks/queries.ts";
import {
  type EngineOptions,
  hasStarted,
  isRunTerminal,
  type RunEvent,
  type RunState,
  runGraphIndex,
} from "../engine/state.ts";
import type { RunGraph } from "../graph.ts";
import { readStepDiffs } from "./diffs.ts";
import { type Dispatch, Effects, outcomeEvent, type RunTimer, takeDueTimers } from "./effects.ts";
import { publishStep, type StepRecord } from "./publish.ts";
import * as q from "./queries.ts";
import { keepRunState, storedState, takeRunState, writeRunStateChanges } from "./run-state.ts";

/** Thrown inside the transaction when another step changed the run first: roll back and redo. */
class VersionConflict extends Error {}

const MAX_TRIES = 50;

/**
 * Events from outside (the API), built from the state read in the step so they can name the node's
 * current iteration. It may throw a domain error to refuse (the step then changes nothing).
 */
export type ExternalEvents = (state: RunState, row: q.RunHead) => RunEvent[];

export interface AdvanceOptions {
  engine?: EngineOptions;
}

/** Takes one step of the run; returns the run row after it (unchanged when nothing was waiting), or null. */
export async function advanceRun(
  resources: Resources,
  runId: string,
  external?: ExternalEvents,
  options: AdvanceOptions = {},
): Promise<q.RunHead | null> {
  for (let tries = 1; ; tries++) {
    try {
      const record = await resources.db.transaction((tx) => step(resources, tx as Db, runId, external, options));
      if (!record) return null;
      // Committed: this is the state at the row's version.
      keepRunState(runId, record.row.version, record.state);
      if (record.changed) await publishStep(resources, record);
      return record.row;
    } catch (error) {
      if (!(error instanceof VersionConflict) || tries >= MAX_TRIES) throw error;
    }
  }
}

async function step(
  resources: Resources,
  tx: Db,
  runId: string,
  external: ExternalEvents | undefined,
  options: AdvanceOptions,
): Promise<StepRecord | null> {
  const row = await q.findRunHead(tx, runId);
  if (!row) return null;
  const graph = await loadGraph(tx, runId);
  const state = await takeRunState(tx, row);
  const events = external ? external(state, row) : [];
  const unchanged: StepRecord = {
    row,
    changed: false,
    previous: row,
    graph,
    state,
    changedNodes: new Map(),
    created: [],
    cancelled: [],
  };
  if (isRunTerminal(state.status)) return unchanged;

  const now = resources.clock.now();
  const outcomes = await q.findUnsettledOutcomes(tx, runId);
  events.push(...outcomes.map(outcomeEvent));
  if (!hasStarted(state)) {
    const pickedUp = await q.findStartedTask(tx, runId);
    if (pickedUp) events.push({ type: "task_started", ...pickedUp });
  }
  const { due, remaining } = takeDueTimers(row.timers as RunTimer[], now);
  events.push(...due);
  if (events.length === 0) return unchanged;

  // Read before the engine runs (it does no I/O): the diffs its templates may show.
  const diffOf = await readStepDiffs(tx, graph, state, outcomes);
  const effects = new Effects(graph, state, remaining, now, { ...options.engine, diffOf }, true);
  effects.feed(events);
  const updated = await q.updateRunState(tx, runId, row.version, runColumns(effects, now, row.started_at));
  if (!updated) throw new VersionConflict();
  await writeRunStateChanges(tx, runId, effects.changes, effects.state);
  const written = await writeEffects(tx, updated, graph, effects, now);
  await q.settleRunTasks(
    tx,
    outcomes.map((outcome) => outcome.task_id),
  );
  const changedNodes = effects.changes.nodes;
  return { ...unchanged, row: updated, changed: true, state: effects.state, changedNodes, ...written };
}

/** The run row's columns after a step or a start; `started_at` is when the run left pending (null before). */
export function runColumns(effects: Effects, now: Date, startedAt: Date | null) {
  const { state } = effects;
  return {
    started_at: startedAt ?? (hasStarted(state) ? now : null),
    state: storedState(state),
    timers: effects.timers,
    wake_at: effects.wakeAt(),
    status: state.status,
    result: state.result,
    error: state.error,
    finished_at: isRunTerminal(state.status) ? now : null,
    updated_at: now,
  };
}

/** Creates the dispatched tasks and cancels the others, inside the step's transaction. */
export async function writeEffects(
  tx: Db,
  run: q.RunHead,
  graph: RunGraph,
  effects: Effects,
  now: Date,
): Promise<{ created: TaskRow[]; cancelled: TaskRow[] }> {
  const dispatches = [...effects.dispatches.values()];
  const rows = dispatches.length === 0 ? [] : await taskRows(tx, run, graph, effects.state, dispatches, now);
  const created = await insertTasks(
    tx,
    rows.map((row) => row.task),
    rows.map((row) => ({ ...row.attempt, task_id: row.task.task_id })),
  );
  await q.markRevisionsContinued(
    tx,
    dispatches.flatMap((dispatch) => dispatch.code?.workspace?.from_task_id ?? []),
    now,
  );
  const cancelled: TaskRow[] = [];
  for (const taskId of effects.cancels) {
    const row = await cancelTask(tx, run.user_id, taskId, now, "cancelled by its workflow run");
    if (row) cancelled.push(row);
  }
  // A task this run cancelled has nothing left to tell it.
  await q.settleRunTasks(tx, effects.cancels);
  return { created, cancelled };
}

async function taskRows(tx: Db, run: q.RunHead, graph: RunGraph, state: RunState, dispatches: Dispatch[], now: Date) {
  const index = runGraphIndex(graph, state);
  // Affinity: a node prefers the worker that ran a node feeding it (it may hold that node's workspace).
  const upstreamTask = new Map<string, string>();
  for (const dispatch of dispatches) {
    // A node continuing a change prefers the worker that made it: its worktree is there.
    const continued = dispatch.code?.workspace?.from_task_id;
    if (continued) {
      upstreamTask.set(dispatch.task_id, continued);
      continue;
    }
    for (const edge of index.incoming.get(dispatch.node_id) ?? []) {
      const taskId = state.nodes[edge.from]?.task_id;
      if (taskId && !edge.loop) {
        upstreamTask.set(dispatch.task_id, taskId);
        break;
      }
    }
  }
  const workerOf = await q.findTaskWorkers(tx, [...new Set(upstreamTask.values())]);
  return dispatches.map((dispatch) => {
    const preferred = workerOf.get(upstreamTask.get(dispatch.task_id) ?? "");
    return {
      attempt: {
        run_id: run.run_id,
        node_id: dispatch.node_id,
        iteration: dispatch.iteration,
        attempt: dispatch.attempt,
      },
      task: {
        task_id: dispatch.task_id,
        user_id: run.user_id,
        description: `${dispatch.node_id} · run ${run.run_id.slice(0, 8)}`,
        prompt: dispatch.prompt,
        // A node names one tool (workflow definitions have no preference lists).
        tool: dispatch.tool,
        tools: [dispatch.tool],
        model: dispatch.model,
        requirements: allocatorRequirements(dispatch.requirements),
        options: preferred ? { prefer_worker_id: preferred } : {},
        timeout_seconds: dispatch.timeout_seconds,
        // The engine owns retries (with its own backoff), so the queue never retries a node's task.
        max_attempts: 1,
        pinned_worker_id: dispatch.pinned_worker_id,
        // A code node's task: its repository, the change it continues, and its revision (unreviewed).
        repo: dispatch.code?.repo ?? null,
        workspace: dispatch.code?.workspace ?? null,
        revision: dispatch.code?.revision ?? null,
        review_state: dispatch.code ? ("unreviewed" as const) : null,
        workflow_id: run.workflow_id,
        run_id: run.run_id,
        node_id: dispatch.node_id,
        available_at: now,
        created_at: now,
        updated_at: now,
      },
    };
  });
}

/** The requirement keys the allocator knows; a node may carry others (they are kept in the definition). */
function allocatorRequirements(requirements: Record<string, unknown>) {
  const known = Object.fromEntries(Object.entries(requirements).filter(([key]) => key in TaskRequirements.shape));
  const parsed = TaskRequirements.safeParse(known);
  return parsed.success ? parsed.data : {};
}

// A run's graph never changes after it starts (plans live in its state), so it is read once per process.
const graphs = new Map<string, RunGraph>();
const GRAPH_CACHE_SIZE = 200;

/** The run's graph: `graph` when the caller read it with the row, else read once per process. */
export async function loadGraph(db: Db, runId: string, graph?: unknown): Promise<RunGraph> {
  const cached = graphs.get(runId);
  if (cached) return cached;
  const loaded = (graph ?? (await q.findRunGraph(db, runId))) as RunGraph;
  if (graphs.size >= GRAPH_CACHE_SIZE) graphs.delete(graphs.keys().next().value!);
  graphs.set(runId, loaded);
  return loaded;
}

export function newRunId(): string {
  return randomUUID();
}
