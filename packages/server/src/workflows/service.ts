// Stored workflows: create, read, list, update, delete, each scoped to its owner (others' ids are 404).
import { type Workflow, WorkflowCreate, WorkflowStatus } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { publish } from "../bus/channels.ts";
import type { Db } from "../db/store.ts";
import { InvalidInputError, NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";
import { parseWorkflow } from "./validate.ts";

export interface RequestOrigin {
  ip: string;
}

export function toWorkflowView(row: q.WorkflowRow): Workflow {
  return {
    workflow_id: row.workflow_id,
    name: row.name,
    description: row.description,
    workflow_type: row.workflow_type,
    input: row.input,
    context: row.context,
    schedule: row.schedule,
    timeout_seconds: row.timeout_seconds,
    definition: row.definition,
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** `body` is the raw request body: validation here names the node or edge at fault. */
export async function createWorkflow(
  resources: Resources,
  userId: string,
  body: unknown,
  origin: RequestOrigin,
): Promise<Workflow> {
  const workflow = parseWorkflow(body);
  const row = await resources.db.transaction(async (tx) => {
    const created = await q.insertWorkflow(tx as Db, userId, workflow, resources.clock.now());
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "workflow.create",
      object_type: "workflow",
      object_id: created.workflow_id,
      ip: origin.ip,
    });
    return created;
  });
  return toWorkflowView(row);
}

export async function getWorkflow(resources: Resources, userId: string, workflowId: string): Promise<Workflow> {
  const row = await q.findWorkflowOfUser(resources.db, userId, workflowId);
  if (!row) throw new NotFoundError("workflow not found");
  return toWorkflowView(row);
}

export async function listWorkflows(
  resources: Resources,
  userId: string,
  query: { cursor?: string | undefined; limit: number },
): Promise<{ items: Workflow[]; next_cursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  // One extra row tells whether another page exists without a count query.
  const rows = await q.listWorkflowsOfUser(resources.db, userId, after, query.limit + 1);
  const pageRows = rows.slice(0, query.limit);
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(toWorkflowView),
    next_cursor:
      rows.length > query.limit && last
        ? encodeCursor({ created_at: last.cursor_created_at, workflow_id: last.workflow_id })
        : null,
  };
}

/** A PATCH: the given fields replace the stored ones, and the result is validated as a whole workflow. */
export async function updateWorkflow(
  resources: Resources,
  userId: string,
  workflowId: string,
  body: unknown,
  origin: RequestOrigin,
): Promise<Workflow> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new InvalidInputError("the body must be a JSON object", "body");
  }
  const { status, ...fields } = body as Record<string, unknown>;
  const parsedStatus = WorkflowStatus.optional().safeParse(status);
  if (!parsedStatus.success) {
    throw new InvalidInputError(`status must be one of ${WorkflowStatus.options.join(", ")}`, "body.status");
  }
  const { db, clock } = resources;
  const row = await db.transaction(async (tx) => {
    const existing = await q.findWorkflowOfUser(tx as Db, userId, workflowId);
    if (!existing) throw new NotFoundError("workflow not found");
    const current = toWorkflowView(existing);
    const merged = Object.fromEntries(
      Object.keys(WorkflowCreate.shape).map((key) => [key, current[key as keyof Workflow]]),
    );
    const workflow = parseWorkflow({ ...merged, ...fields });
    const updated = await q.replaceWorkflow(
      tx as Db,
      userId,
      workflowId,
      workflow,
      parsedStatus.data ?? existing.status,
      clock.now(),
    );
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "workflow.update",
      object_type: "workflow",
      object_id: workflowId,
      ip: origin.ip,
      detail: { fields: Object.keys(body) },
    });
    return updated!;
  });
  return toWorkflowView(row);
}

export async function deleteWorkflow(
  resources: Resources,
  userId: string,
  workflowId: string,
  origin: RequestOrigin,
): Promise<void> {
  await resources.db.transaction(async (tx) => {
    if (!(await q.deleteWorkflow(tx as Db, userId, workflowId))) throw new NotFoundError("workflow not found");
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "workflow.delete",
      object_type: "workflow",
      object_id: workflowId,
      ip: origin.ip,
    });
  });
  // Its runs' tasks went by cascade: each replica sweeps their output spill files.
  await publish(resources.bus, "tasks.deleted", { task_ids: null });
}

function encodeCursor(cursor: q.WorkflowCursor): string {
  return Buffer.from(`${cursor.created_at}|${cursor.workflow_id}`).toString("base64url");
}

const CURSOR_PATTERN = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|([0-9a-f-]{36})$/;

function decodeCursor(raw: string): q.WorkflowCursor {
  const match = CURSOR_PATTERN.exec(Buffer.from(raw, "base64url").toString());
  if (!match?.[1] || !match[2]) throw new InvalidInputError("invalid cursor", "query.cursor");
  return { created_at: match[1], workflow_id: match[2] };
}
