// After a step commits: wake workers for the new tasks, tell workers to stop cancelled ones, and tell
// dashboards what changed. Hints only (the rows are the truth), so this runs outside the transaction.
import { publish } from "../../bus/channels.ts";
import { approvalWaiting, runFailed } from "../../push/messages.ts";
import type { Resources } from "../../resources.ts";
import { publishTaskUpdated } from "../../tasks/events.ts";
import type { TaskRow } from "../../tasks/queries.ts";
import { announceQueued } from "../../tasks/service.ts";
import type { NodeState, RunState } from "../engine/state.ts";
import type { RunGraph } from "../graph.ts";
import type { RunHead } from "./queries.ts";

export interface StepRecord {
  row: RunHead;
  /** False when nothing was waiting for the run: nothing to tell. */
  changed: boolean;
  /** The row before the step; null for a new run. */
  previous: RunHead | null;
  graph: RunGraph;
  /** The run's state after the step. */
  state: RunState;
  /** The nodes the step wrote (every node of a new run), each with its state before (undefined: new). */
  changedNodes: ReadonlyMap<string, NodeState | undefined>;
  created: TaskRow[];
  cancelled: TaskRow[];
}

export async function publishStep(resources: Resources, record: StepRecord): Promise<void> {
  const { bus } = resources;
  for (const task of record.created) {
    await announceQueued(resources, task);
    await publishTaskUpdated(resources, task);
  }
  for (const task of record.cancelled) {
    if (task.worker_id) {
      await publish(bus, "task.cancel", {
        task_id: task.task_id,
        worker_id: task.worker_id,
        reason: "cancelled by its workflow run",
      });
    }
    await publishTaskUpdated(resources, task);
  }
  const { row, previous } = record;
  for (const [nodeId, old] of record.changedNodes) {
    // Plan nodes a loop re-entry dropped are gone with their plan.
    const node = record.state.nodes[nodeId];
    if (!node) continue;
    if (old && old.status === node.status && old.task_id === node.task_id && old.iteration === node.iteration) continue;
    await publish(bus, "node.updated", {
      run_id: row.run_id,
      user_id: row.user_id,
      node_id: nodeId,
      status: node.status,
      task_id: node.task_id,
    });
    if (node.status === "waiting_approval") {
      resources.push.notify(row.user_id, () => approvalWaiting(resources.db, row, nodeId));
    }
  }
  if (previous?.status !== row.status) {
    await publish(bus, "run.updated", {
      run_id: row.run_id,
      workflow_id: row.workflow_id,
      user_id: row.user_id,
      status: row.status,
    });
    if (row.status === "failed") resources.push.notify(row.user_id, () => runFailed(resources.db, row));
  }
}
