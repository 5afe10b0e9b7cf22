// SQL of a run's node and edge states (run_nodes, run_edges): read whole for a run the process has not
// stepped, written per step for only the nodes and edges the step changed.
import { and, eq, inArray, sql } from "drizzle-orm";
import { runEdges, runNodes } from "../../db/schema.ts";
import type { Db } from "../../db/store.ts";
import type { EdgeState, NodeState } from "../engine/state.ts";

export type RunNodeRow = typeof runNodes.$inferSelect;
export type RunEdgeRow = typeof runEdges.$inferSelect;

/** Rows per statement: well under the driver's 65 535 parameters. */
const CHUNK = 1000;

export async function findRunNodes(db: Db, runIds: string[]): Promise<RunNodeRow[]> {
  if (runIds.length === 0) return [];
  return db.select().from(runNodes).where(inArray(runNodes.run_id, runIds));
}

export async function findRunEdges(db: Db, runIds: string[]): Promise<RunEdgeRow[]> {
  if (runIds.length === 0) return [];
  return db.select().from(runEdges).where(inArray(runEdges.run_id, runIds));
}

export async function upsertRunNodes(db: Db, runId: string, nodes: Array<[string, NodeState]>): Promise<void> {
  for (let start = 0; start < nodes.length; start += CHUNK) {
    await db
      .insert(runNodes)
      .values(nodes.slice(start, start + CHUNK).map(([nodeId, node]) => ({ run_id: runId, node_id: nodeId, ...node })))
      .onConflictDoUpdate({
        target: [runNodes.run_id, runNodes.node_id],
        set: {
          status: sql`excluded.status`,
          iteration: sql`excluded.iteration`,
          attempt: sql`excluded.attempt`,
          task_id: sql`excluded.task_id`,
          output: sql`excluded.output`,
          json: sql`excluded.json`,
          exit_code: sql`excluded.exit_code`,
          error: sql`excluded.error`,
          code: sql`excluded.code`,
        },
      });
  }
}

export async function upsertRunEdges(db: Db, runId: string, edges: Array<[string, EdgeState]>): Promise<void> {
  for (let start = 0; start < edges.length; start += CHUNK) {
    await db
      .insert(runEdges)
      .values(edges.slice(start, start + CHUNK).map(([edgeId, edge]) => ({ run_id: runId, edge_id: edgeId, ...edge })))
      .onConflictDoUpdate({
        target: [runEdges.run_id, runEdges.edge_id],
        set: { status: sql`excluded.status`, traversals: sql`excluded.traversals` },
      });
  }
}

/** Plan nodes a loop re-entry dropped. */
export async function deleteRunNodes(db: Db, runId: string, nodeIds: string[]): Promise<void> {
  if (nodeIds.length === 0) return;
  await db.delete(runNodes).where(and(eq(runNodes.run_id, runId), inArray(runNodes.node_id, nodeIds)));
}

export async function deleteRunEdges(db: Db, runId: string, edgeIds: string[]): Promise<void> {
  if (edgeIds.length === 0) return;
  await db.delete(runEdges).where(and(eq(runEdges.run_id, runId), inArray(runEdges.edge_id, edgeIds)));
}
