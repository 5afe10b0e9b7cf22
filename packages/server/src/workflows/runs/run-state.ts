// Where a run's engine state (RunState) lives: its own fields (status, input, context, plans, result) in
// the run row's `state`, each node and edge as a row (run_nodes, run_edges). A step writes the rows it
// changed: the engine copies what it changes and shares the rest with the state it was given, so
// "changed" is "not the same object". A process keeps the state of the runs it stepped last, under the
// run's version: the next step of such a run reads no node rows at all; after a step elsewhere (another
// replica, a restart) the version differs and the rows are read again.
import type { Db } from "../../db/store.ts";
import type { EdgeState, NodeState, RunState } from "../engine/state.ts";
import {
  deleteRunEdges,
  deleteRunNodes,
  findRunEdges,
  findRunNodes,
  upsertRunEdges,
  upsertRunNodes,
} from "./node-queries.ts";
import type { RunHead } from "./queries.ts";

/** The run row's `state`: the engine's state but for its nodes and edges. */
export type StoredRunState = Omit<RunState, "nodes" | "edges">;

export function storedState(state: RunState): StoredRunState {
  const { nodes: _nodes, edges: _edges, ...own } = state;
  return own;
}

const remembered = new Map<string, { version: number; state: RunState }>();
const REMEMBERED_RUNS = 200;

/** Keeps the state a committed step (or start) left at `version`. */
export function rememberRunState(runId: string, version: number, state: RunState): void {
  remembered.delete(runId);
  if (remembered.size >= REMEMBERED_RUNS) remembered.delete(remembered.keys().next().value!);
  remembered.set(runId, { version, state });
}

/** The run's whole state at the row's version: remembered when this process made it, else read. */
export async function loadRunState(db: Db, row: RunRef): Promise<RunState> {
  return (await loadRunStates(db, [row])).get(row.run_id)!;
}

type RunRef = Pick<RunHead, "run_id" | "state" | "version">;

/** The states of several runs at their rows' versions; those not remembered are read in two statements. */
export async function loadRunStates(db: Db, rows: RunRef[]): Promise<Map<string, RunState>> {
  const states = new Map<string, RunState>();
  const unread: string[] = [];
  for (const row of rows) {
    const kept = remembered.get(row.run_id);
    if (kept?.version === row.version) {
      states.set(row.run_id, kept.state);
    } else {
      states.set(row.run_id, { ...(row.state as StoredRunState), nodes: {}, edges: {} });
      unread.push(row.run_id);
    }
  }
  if (unread.length === 0) return states;
  const [nodeRows, edgeRows] = [await findRunNodes(db, unread), await findRunEdges(db, unread)];
  for (const { run_id, node_id, ...node } of nodeRows) states.get(run_id)!.nodes[node_id] = node as NodeState;
  for (const { run_id, edge_id, ...edge } of edgeRows) states.get(run_id)!.edges[edge_id] = edge as EdgeState;
  return states;
}

/** Writes the nodes and edges `after` holds that `before` does not (null: a new run, all of them). */
export async function writeRunStateChanges(
  db: Db,
  runId: string,
  before: RunState | null,
  after: RunState,
): Promise<void> {
  const nodes = changes(before?.nodes ?? {}, after.nodes);
  const edges = changes(before?.edges ?? {}, after.edges);
  await upsertRunNodes(db, runId, nodes.changed);
  await deleteRunNodes(db, runId, nodes.dropped);
  await upsertRunEdges(db, runId, edges.changed);
  await deleteRunEdges(db, runId, edges.dropped);
}

/** The node ids whose state differs between the two. */
export function changedNodeIds(before: RunState | null, after: RunState): string[] {
  return changes(before?.nodes ?? {}, after.nodes).changed.map(([id]) => id);
}

function changes<T>(before: Record<string, T>, after: Record<string, T>) {
  const changed: Array<[string, T]> = [];
  const dropped: string[] = [];
  if (before === after) return { changed, dropped };
  for (const [id, value] of Object.entries(after)) if (before[id] !== value) changed.push([id, value]);
  for (const id of Object.keys(before)) if (!Object.hasOwn(after, id)) dropped.push(id);
  return { changed, dropped };
}
