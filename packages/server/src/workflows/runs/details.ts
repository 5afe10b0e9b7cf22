// Reading a run closely and running it again: its nodes' task attempts, the approvals waiting across the
// user's runs, and a new run with the same input. Another user's run is indistinguishable from a missing one.
import type { NodeAttempt, PendingApproval, WorkflowRun } from "@garageswarm/protocol";
import { NotFoundError } from "../../errors.ts";
import type { Resources } from "../../resources.ts";
import { findPendingApprovals, findRunAttempts } from "./detail-queries.ts";
import { findRun } from "./queries.ts";
import { executeWorkflow, getRun, type RequestOrigin } from "./service.ts";

export async function listRunAttempts(
  resources: Resources,
  userId: string,
  runId: string,
): Promise<{ items: NodeAttempt[] }> {
  if (!(await findRun(resources.db, runId, userId))) throw new NotFoundError("run not found");
  const rows = await findRunAttempts(resources.db, runId);
  return {
    items: rows.map((row) => ({
      ...row,
      created_at: row.created_at.toISOString(),
      started_at: row.started_at?.toISOString() ?? null,
      completed_at: row.completed_at?.toISOString() ?? null,
    })),
  };
}

export async function listPendingApprovals(
  resources: Resources,
  userId: string,
): Promise<{ items: PendingApproval[] }> {
  const rows = await findPendingApprovals(resources.db, userId);
  return { items: rows.map((row) => ({ ...row, waiting_since: row.waiting_since.toISOString() })) };
}

/** A new run of the run's workflow with the input the run had (and its timeout, if it had one). */
export async function rerun(
  resources: Resources,
  userId: string,
  runId: string,
  origin: RequestOrigin,
): Promise<WorkflowRun> {
  const run = await getRun(resources, userId, runId);
  return executeWorkflow(
    resources,
    userId,
    run.workflow_id,
    { input: run.input, ...(run.timeout_seconds === null ? {} : { timeout_seconds: run.timeout_seconds }) },
    origin,
  );
}
