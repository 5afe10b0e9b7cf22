// A run as the API answers it: the row's fields and every node's state, in graph order, with where each
// node's current task is now (read in one statement for all the runs answered together).
import type { RunStatus, WorkflowRun } from "@garageswarm/protocol";
import type { Db } from "../../db/store.ts";
import { findRunnableWorkersOf } from "../../tasks/queries.ts";
import { type RunnableWorker, waitingReason } from "../../tasks/waiting-reason.ts";
import { type RunState, runGraphIndex } from "../engine/state.ts";
import { nodeRuns, type TaskPlace } from "../engine/view.ts";
import type { RunGraph } from "../graph.ts";
import { loadGraph } from "./advance.ts";
import type { RunTimer } from "./effects.ts";
import { findTaskPlaces, type RunHead, type TaskPlaceRow } from "./queries.ts";
import { readRunStates } from "./run-state.ts";

/** A run row, with its graph when it was read with it. */
type RunRowRead = RunHead & { graph?: unknown };

export async function toRunView(db: Db, row: RunRowRead, now: Date): Promise<WorkflowRun> {
  const [view] = await toRunViews(db, [row], now);
  return view!;
}

/** Several runs (a page of a list): one query for the nodes of all of them, one for all their current tasks. */
export async function toRunViews(db: Db, rows: RunRowRead[], now: Date): Promise<WorkflowRun[]> {
  // Read from the rows, never the state a step keeps: the next step changes that one in place.
  const states = await readRunStates(db, rows);
  const taskIds = [...states.values()].flatMap((state) =>
    Object.values(state.nodes).flatMap((node) => (node.task_id ? [node.task_id] : [])),
  );
  const places = await withWaitingReasons(db, await findTaskPlaces(db, taskIds), now);
  const views: WorkflowRun[] = [];
  for (const row of rows) {
    const graph = await loadGraph(db, row.run_id, row.graph);
    views.push(runView(row, graph, states.get(row.run_id)!, places));
  }
  return views;
}

/** The places with the waiting reason of each queued task, from one read of the workers their users may use. */
async function withWaitingReasons(
  db: Db,
  places: Map<string, TaskPlaceRow>,
  now: Date,
): Promise<Map<string, TaskPlace>> {
  const queued = [...places.values()].filter((place) => place.status === "queued");
  if (queued.length === 0) return places;
  const users = [...new Set(queued.map((place) => place.user_id))];
  const workersOf = new Map<string, RunnableWorker[]>();
  for (const worker of await findRunnableWorkersOf(db, users)) {
    workersOf.set(worker.user_id, [...(workersOf.get(worker.user_id) ?? []), worker]);
  }
  for (const place of queued) place.waiting_reason = waitingReason(place, workersOf.get(place.user_id) ?? [], now);
  return places;
}

function runView(row: RunHead, graph: RunGraph, state: RunState, tasks: ReadonlyMap<string, TaskPlace>): WorkflowRun {
  const deadline = (row.timers as RunTimer[]).find((timer) => timer.kind === "run_deadline");
  return {
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    run_number: row.run_number,
    status: row.status as RunStatus,
    trigger: row.trigger as WorkflowRun["trigger"],
    input: row.input as Record<string, unknown>,
    // A scheduled run that could not start has no state at all.
    nodes: state.expansions ? nodeRuns(runGraphIndex(graph, state), state, tasks) : [],
    result: (row.result as WorkflowRun["result"]) ?? null,
    error: row.error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    timeout_seconds: deadline?.timeout_seconds ?? null,
    deadline_at: deadline ? new Date(deadline.due_at).toISOString() : null,
  };
}
