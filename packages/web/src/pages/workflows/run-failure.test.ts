import type { NodeRun } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { failurePoint } from "./run-failure.ts";

const node = (node_id: string, status: NodeRun["status"]) => ({ node_id, status }) as NodeRun;

describe("failurePoint", () => {
  it("names the failed node from the run's error", () => {
    expect(failurePoint({ status: "failed", error: 'node "test" failed: boom', nodes: [] })).toEqual({
      nodeId: "test",
    });
  });
  it("names the loop edge whose bound ended the run, even though every node completed", () => {
    const run = {
      status: "failed" as const,
      error: 'loop edge "fix->generate" reached its bound: max_iterations 3',
      nodes: [node("fix", "completed")],
    };
    expect(failurePoint(run)).toEqual({ edgeId: "fix->generate" });
  });
  it("falls back to a failed node, and names nothing for a run that did not fail", () => {
    expect(failurePoint({ status: "failed", error: "run timed out", nodes: [node("a", "failed")] })).toEqual({
      nodeId: "a",
    });
    expect(failurePoint({ status: "completed", error: null, nodes: [node("a", "failed")] })).toEqual({});
  });
});
