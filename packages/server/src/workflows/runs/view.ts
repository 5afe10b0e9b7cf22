// A run as the API answers it: the row's fields and every node's state, in graph order, with where each
// node's current task is now (read in one statement for all the runs answered together).
import type { WorkflowRun } from "@garageswarm/protocol";
import type { Db } from "../../db/store.ts";
import { runGraphIndex } from "../engine/state.ts";
import { nodeRuns, type TaskPlace } from "../engine/view.ts";
import { graphOf } from "./advance.ts";
import { findTaskPlaces, type RunRow } from "./queries.ts";

export async function toRunView(db: Db, row: RunRow): Promise<WorkflowRun> {
  const [view] = await toRunViews(db, [row]);
  return view!;
}

/** Several runs (a page of a list): one query for the current tasks of all their nodes, not one per run. */
export async function toRunViews(db: Db, rows: RunRow[]): Promise<WorkflowRun[]> {
  const taskIds = rows.flatMap((row) =>
    Object.values(row.state.nodes ?? {}).flatMap((node) => (node.task_id ? [node.task_id] : [])),
  );
  const places = await findTaskPlaces(db, taskIds);
  return rows.map((row) => runView(row, places));
}

function runView(row: RunRow, tasks: ReadonlyMap<string, TaskPlace>): WorkflowRun {
  const { state } = row;
  const deadline = row.timers.find((timer) => timer.kind === "run_deadline");
  return {
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    status: row.status,
    trigger: row.trigger,
    input: row.input,
    nodes: state.nodes ? nodeRuns(runGraphIndex(graphOf(row), state), state, tasks) : [],
    result: row.result,
    error: row.error,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    timeout_seconds: deadline?.timeout_seconds ?? null,
    deadline_at: deadline ? new Date(deadline.due_at).toISOString() : null,
  };
}
