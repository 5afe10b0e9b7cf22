// Where a run's engine state (RunState) lives: its own fields (status, input, context, plans, result) in
// the run row's `state`, each node and edge as a row (run_nodes, run_edges). A step writes the rows its
// transitions changed (`StateChanges`), nothing else.
// A process keeps the state its last step of a run left, under the run's version, and the next step of the
// run takes it instead of reading every row; the step changes that state in place (the engine's "hand
// over"), so it is taken out while the step runs and kept again only once the step committed. After a step
// elsewhere (another replica, a restart) the version differs and the rows are read.
import type { Db } from "../../db/store.ts";
import type { EdgeState, NodeState, RunState, StateChanges } from "../engine/state.ts";
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

type RunRef = Pick<RunHead, "run_id" | "state" | "version">;

const kept = new Map<string, { version: number; state: RunState }>();
const KEPT_RUNS = 200;

/** Keeps the state a committed step (or start) left at `version`; it must not change afterwards. */
export function keepRunState(runId: string, version: number, state: RunState): void {
  kept.delete(runId);
  if (kept.size >= KEPT_RUNS) kept.delete(kept.keys().next().value!);
  kept.set(runId, { version, state });
}

/** The run's state at the row's version, for the step to change: the kept one (taken out), or read. */
export async function takeRunState(db: Db, row: RunRef): Promise<RunState> {
  const entry = kept.get(row.run_id);
  kept.delete(row.run_id);
  if (entry?.version === row.version) return entry.state;
  return (await readRunStates(db, [row])).get(row.run_id)!;
}

/** The states of several runs as their rows say, in two statements for all of them. */
export async function readRunStates(db: Db, rows: RunRef[]): Promise<Map<string, RunState>> {
  const states = new Map<string, RunState>(
    rows.map((row) => [row.run_id, { ...(row.state as StoredRunState), nodes: {}, edges: {} }]),
  );
  const runIds = rows.map((row) => row.run_id);
  const [nodeRows, edgeRows] = [await findRunNodes(db, runIds), await findRunEdges(db, runIds)];
  for (const { run_id, node_id, ...node } of nodeRows) states.get(run_id)!.nodes[node_id] = node as NodeState;
  for (const { run_id, edge_id, ...edge } of edgeRows) states.get(run_id)!.edges[edge_id] = edge as EdgeState;
  return states;
}

/** Writes the nodes and edges in `changes` as `after` has them (null: a new run, all of them). */
export async function writeRunStateChanges(
  db: Db,
  runId: string,
  changes: StateChanges | null,
  after: RunState,
): Promise<void> {
  const nodes = split(changes?.nodes.keys() ?? Object.keys(after.nodes), after.nodes);
  const edges = split(changes?.edges.keys() ?? Object.keys(after.edges), after.edges);
  await upsertRunNodes(db, runId, nodes.present);
  await deleteRunNodes(db, runId, nodes.dropped);
  await upsertRunEdges(db, runId, edges.present);
  await deleteRunEdges(db, runId, edges.dropped);
}

/** Ids still in `now` (with their state) and ids no longer there (plan nodes a loop re-entry dropped). */
function split<T>(ids: Iterable<string>, now: Record<string, T>) {
  const present: Array<[string, T]> = [];
  const dropped: string[] = [];
  for (const id of ids) {
    const value = now[id];
    if (value === undefined) dropped.push(id);
    else present.push([id, value]);
  }
  return { present, dropped };
}
