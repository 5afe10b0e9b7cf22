// Where a failed run stopped, read from its error: the node that failed, or the edge whose loop bound or
// condition ended it. The engine words these errors (engine/state.ts); a run failed by its timeout or a
// cancel names neither.
import type { WorkflowRun } from "@garageswarm/protocol";

export interface FailurePoint {
  nodeId?: string;
  /** `FROM->TO`, the id the engine gives an edge. */
  edgeId?: string;
}

export function failurePoint(run: Pick<WorkflowRun, "status" | "error" | "nodes">): FailurePoint {
  if (run.status !== "failed") return {};
  const error = run.error ?? "";
  const loop = /^loop edge "([^"]+)" reached its bound/.exec(error) ?? /^edge "([^"]+)": condition failed/.exec(error);
  if (loop?.[1]) return { edgeId: loop[1] };
  const node = /^node "([^"]+)" failed/.exec(error);
  if (node?.[1]) return { nodeId: node[1] };
  const failed = run.nodes.find((candidate) => candidate.status === "failed");
  return failed ? { nodeId: failed.node_id } : {};
}
