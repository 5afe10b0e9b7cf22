// A scheduled run that could not start is still recorded, failed with the reason: the occurrence is
// used up (no retry storm every pass) and the user sees why in the workflow's runs.
import { publish } from "../../bus/channels.ts";
import type { Resources } from "../../resources.ts";
import { insertRun, type WorkflowRow } from "../runs/queries.ts";

export async function startFailedRun(
  resources: Resources,
  workflow: WorkflowRow,
  occurrenceKey: string,
  error: string,
): Promise<boolean> {
  const now = resources.clock.now();
  const row = await insertRun(resources.db, {
    workflow_id: workflow.workflow_id,
    user_id: workflow.user_id,
    trigger: "schedule",
    occurrence_key: occurrenceKey,
    status: "failed",
    graph: { workflow_type: workflow.workflow_type, nodes: [], edges: [] },
    input: workflow.input,
    state: {},
    error,
    created_at: now,
    updated_at: now,
    finished_at: now,
  });
  if (!row) return false;
  await publish(resources.bus, "run.updated", {
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    user_id: row.user_id,
    status: row.status,
  });
  return true;
}
