// What a user does with runs: start one, read it, list a workflow's runs, pause, resume, cancel, decide an
// approval. Every change goes through advanceRun, so the API and the advancer share one guarded write.
// Another user's run is indistinguishable from a missing one.
import { type RunStatus, type WorkflowRun, WorkflowRunCreate } from "@garageswarm/protocol";
import { recordAudit } from "../../audit/record.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../../errors.ts";
import type { Resources } from "../../resources.ts";
import type { RunEvent, RunState } from "../engine/state.ts";
import { findWorkflowOfUser } from "../queries.ts";
import { advanceRun, type ExternalEvents } from "./advance.ts";
import * as q from "./queries.ts";
import { startRun } from "./start.ts";
import { toRunView, toRunViews } from "./view.ts";

export interface RequestOrigin {
  ip: string;
  via: "access_token" | "api_key";
}

export async function executeWorkflow(
  resources: Resources,
  userId: string,
  workflowId: string,
  body: unknown,
  origin: RequestOrigin,
): Promise<WorkflowRun> {
  const parsed = WorkflowRunCreate.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidInputError(issue.message, ["body", ...issue.path].join("."));
  }
  const workflow = await findWorkflowOfUser(resources.db, userId, workflowId);
  if (!workflow) throw new NotFoundError("workflow not found");
  if (workflow.status !== "active") throw new ConflictError("workflow is disabled; enable it to run it");
  const row = await startRun(resources, {
    workflow,
    userId,
    trigger: origin.via === "api_key" ? "api" : "manual",
    input: parsed.data.input,
    ...(parsed.data.timeout_seconds === undefined ? {} : { timeoutSeconds: parsed.data.timeout_seconds }),
  });
  await recordAudit(resources.db, {
    user_id: userId,
    action: "workflow.execute",
    object_type: "workflow_run",
    object_id: row!.run_id,
    ip: origin.ip,
    detail: { workflow_id: workflowId },
  });
  return toRunView(resources.db, row!, resources.clock.now());
}

export async function getRun(resources: Resources, userId: string, runId: string): Promise<WorkflowRun> {
  const row = await q.findRun(resources.db, runId, userId);
  if (!row) throw new NotFoundError("run not found");
  return toRunView(resources.db, row, resources.clock.now());
}

export async function listRuns(
  resources: Resources,
  userId: string,
  workflowId: string,
  query: { cursor?: string | undefined; limit: number; status?: RunStatus | undefined },
): Promise<{ items: WorkflowRun[]; next_cursor: string | null }> {
  if (!(await findWorkflowOfUser(resources.db, userId, workflowId))) throw new NotFoundError("workflow not found");
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await q.listRunsOfWorkflow(resources.db, userId, workflowId, query, after, query.limit + 1);
  const pageRows = rows.slice(0, query.limit);
  const last = pageRows.at(-1);
  return {
    items: await toRunViews(resources.db, pageRows, resources.clock.now()),
    next_cursor:
      rows.length > query.limit && last
        ? encodeCursor({ created_at: last.cursor_created_at, run_id: last.run_id })
        : null,
  };
}

export type RunControl = "pause" | "resume" | "cancel";

const PAUSABLE: ReadonlySet<RunStatus> = new Set(["pending", "running", "waiting_approval"]);

/** The event for a control, or a ConflictError saying why the run's status refuses it. */
function controlEvents(control: RunControl): ExternalEvents {
  return (state) => {
    const status = state.status;
    if (control === "pause" && !PAUSABLE.has(status)) {
      throw new ConflictError(`run is ${status}; only a pending or running run can be paused`);
    }
    if (control === "resume" && status !== "paused")
      throw new ConflictError(`run is ${status}; only a paused run can be resumed`);
    if (control === "cancel" && ["completed", "failed", "cancelled"].includes(status)) {
      throw new ConflictError(`run is already ${status}`);
    }
    const event: RunEvent = control === "cancel" ? { type: "cancel", reason: "cancelled by user" } : { type: control };
    return [event];
  };
}

export async function controlRun(
  resources: Resources,
  userId: string,
  runId: string,
  control: RunControl,
  origin: RequestOrigin,
): Promise<WorkflowRun> {
  await findOwnRun(resources, userId, runId);
  const row = await advanceRun(resources, runId, controlEvents(control));
  await recordAudit(resources.db, {
    user_id: userId,
    action: `workflow_run.${control}`,
    object_type: "workflow_run",
    object_id: runId,
    ip: origin.ip,
  });
  return toRunView(resources.db, row!, resources.clock.now());
}

export async function decideApproval(
  resources: Resources,
  userId: string,
  username: string,
  runId: string,
  nodeId: string,
  decision: { approved: boolean; comment?: string | undefined },
  origin: RequestOrigin,
): Promise<WorkflowRun> {
  await findOwnRun(resources, userId, runId);
  const events: ExternalEvents = (state: RunState) => {
    const node = state.nodes?.[nodeId];
    if (!node) throw new NotFoundError(`run has no node "${nodeId}"`);
    if (node.status !== "waiting_approval")
      throw new ConflictError(`node "${nodeId}" is ${node.status}, not waiting for approval`);
    if (state.status === "completed" || state.status === "failed" || state.status === "cancelled") {
      throw new ConflictError(`run is already ${state.status}`);
    }
    return [
      {
        type: "approval_decided",
        node_id: nodeId,
        iteration: node.iteration,
        approved: decision.approved,
        by: username,
        ...(decision.comment ? { comment: decision.comment } : {}),
      },
    ];
  };
  const row = await advanceRun(resources, runId, events);
  await recordAudit(resources.db, {
    user_id: userId,
    action: decision.approved ? "workflow_run.approve" : "workflow_run.reject",
    object_type: "workflow_run",
    object_id: runId,
    ip: origin.ip,
    detail: { node_id: nodeId },
  });
  return toRunView(resources.db, row!, resources.clock.now());
}

/** Pause or resume every active run of a workflow; runs whose status does not allow it are left alone. */
export async function controlWorkflowRuns(
  resources: Resources,
  userId: string,
  workflowId: string,
  control: "pause" | "resume",
  origin: RequestOrigin,
): Promise<{ items: WorkflowRun[] }> {
  if (!(await findWorkflowOfUser(resources.db, userId, workflowId))) throw new NotFoundError("workflow not found");
  const rows: q.RunHead[] = [];
  for (const runId of await q.findActiveRunIdsOfWorkflow(resources.db, userId, workflowId)) {
    const row = await advanceRun(resources, runId, (state) => {
      const applies = control === "pause" ? PAUSABLE.has(state.status) : state.status === "paused";
      return applies ? [{ type: control }] : [];
    });
    if (row) rows.push(row);
  }
  const items = await toRunViews(resources.db, rows, resources.clock.now());
  await recordAudit(resources.db, {
    user_id: userId,
    action: `workflow.${control}`,
    object_type: "workflow",
    object_id: workflowId,
    ip: origin.ip,
    detail: { runs: items.map((run) => run.run_id) },
  });
  return { items };
}

async function findOwnRun(resources: Resources, userId: string, runId: string): Promise<q.RunRow> {
  const row = await q.findRun(resources.db, runId, userId);
  if (!row) throw new NotFoundError("run not found");
  return row;
}

function encodeCursor(cursor: q.RunCursor): string {
  return Buffer.from(`${cursor.created_at}|${cursor.run_id}`).toString("base64url");
}

const CURSOR_PATTERN = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|([0-9a-f-]{36})$/;

function decodeCursor(raw: string): q.RunCursor {
  const match = CURSOR_PATTERN.exec(Buffer.from(raw, "base64url").toString());
  if (!match?.[1] || !match[2]) throw new InvalidInputError("invalid cursor", "query.cursor");
  return { created_at: match[1], run_id: match[2] };
}
