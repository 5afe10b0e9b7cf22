// A run as the API answers it: the row's fields and every node's state, in graph order.
import type { RunStatus, WorkflowRun } from "@garageswarm/protocol";
import { type RunState, runGraphIndex } from "../engine/state.ts";
import { nodeRuns } from "../engine/view.ts";
import { graphOf } from "./advance.ts";
import type { RunTimer } from "./effects.ts";
import type { RunRow } from "./queries.ts";

export function toRunView(row: RunRow): WorkflowRun {
  const state = row.state as RunState;
  const deadline = (row.timers as RunTimer[]).find((timer) => timer.kind === "run_deadline");
  return {
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    status: row.status as RunStatus,
    trigger: row.trigger as WorkflowRun["trigger"],
    input: row.input as Record<string, unknown>,
    nodes: state.nodes ? nodeRuns(runGraphIndex(graphOf(row), state), state) : [],
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
