// SQL for stored workflows. The definition is kept whole in workflows.definition (what the API answers)
// and indexed by node and edge in workflow_nodes / workflow_edges, written in the same transaction.
import type { WorkflowCreate, WorkflowStatus } from "@garageswarm/protocol";
import { and, desc, eq, sql } from "drizzle-orm";
import { workflowEdges, workflowNodes, workflows } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export type WorkflowRow = typeof workflows.$inferSelect;
export interface WorkflowCursor {
  created_at: string;
  workflow_id: string;
}

/** `now` is the server's clock, not the database's: a schedule counts from it (cron/occurrence.ts). */
export async function insertWorkflow(
  db: Db,
  userId: string,
  workflow: WorkflowCreate,
  now: Date,
): Promise<WorkflowRow> {
  const [row] = await db
    .insert(workflows)
    .values({ user_id: userId, ...workflowColumns(workflow), created_at: now, updated_at: now })
    .returning();
  await insertNodesAndEdges(db, row!.workflow_id, workflow);
  return row!;
}

/** Replaces the stored workflow; null when it is not the user's. */
export async function replaceWorkflow(
  db: Db,
  userId: string,
  workflowId: string,
  workflow: WorkflowCreate,
  status: WorkflowStatus,
  now: Date,
): Promise<WorkflowRow | null> {
  const [row] = await db
    .update(workflows)
    .set({ ...workflowColumns(workflow), status, updated_at: now })
    .where(and(eq(workflows.workflow_id, workflowId), eq(workflows.user_id, userId)))
    .returning();
  if (!row) return null;
  await db.delete(workflowNodes).where(eq(workflowNodes.workflow_id, workflowId));
  await db.delete(workflowEdges).where(eq(workflowEdges.workflow_id, workflowId));
  await insertNodesAndEdges(db, workflowId, workflow);
  return row;
}

export async function findWorkflowOfUser(db: Db, userId: string, workflowId: string): Promise<WorkflowRow | null> {
  const [row] = await db
    .select()
    .from(workflows)
    .where(and(eq(workflows.workflow_id, workflowId), eq(workflows.user_id, userId)));
  return row ?? null;
}

/** Newest first, by keyset on (created_at, workflow_id), so pages never repeat or skip under inserts. */
export async function listWorkflowsOfUser(
  db: Db,
  userId: string,
  after: WorkflowCursor | null,
  limit: number,
): Promise<Array<WorkflowRow & { cursor_created_at: string }>> {
  const conditions = [eq(workflows.user_id, userId)];
  if (after) {
    conditions.push(
      sql`(${workflows.created_at}, ${workflows.workflow_id}) < (${after.created_at}::timestamptz, ${after.workflow_id}::uuid)`,
    );
  }
  const rows = await db
    .select({
      workflow: workflows,
      cursor_created_at: sql<string>`to_char(${workflows.created_at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(workflows)
    .where(and(...conditions))
    .orderBy(desc(workflows.created_at), desc(workflows.workflow_id))
    .limit(limit);
  return rows.map((row) => ({ ...row.workflow, cursor_created_at: row.cursor_created_at }));
}

export async function deleteWorkflow(db: Db, userId: string, workflowId: string): Promise<boolean> {
  const rows = await db
    .delete(workflows)
    .where(and(eq(workflows.workflow_id, workflowId), eq(workflows.user_id, userId)))
    .returning({ workflow_id: workflows.workflow_id });
  return rows.length > 0;
}

function workflowColumns(workflow: WorkflowCreate) {
  return {
    name: workflow.name,
    description: workflow.description,
    workflow_type: workflow.workflow_type,
    definition: workflow.definition,
    input: workflow.input,
    context: workflow.context,
    schedule: workflow.schedule,
    timeout_seconds: workflow.timeout_seconds,
  };
}

async function insertNodesAndEdges(db: Db, workflowId: string, workflow: WorkflowCreate) {
  const { nodes, edges } = workflow.definition;
  await db.insert(workflowNodes).values(
    nodes.map((node, position) => ({
      workflow_id: workflowId,
      node_id: node.id,
      node_type: node.type,
      config: node,
      position,
    })),
  );
  if (edges.length === 0) return;
  await db
    .insert(workflowEdges)
    .values(
      edges.map(({ from, to, ...config }) => ({ workflow_id: workflowId, from_node: from, to_node: to, config })),
    );
}
