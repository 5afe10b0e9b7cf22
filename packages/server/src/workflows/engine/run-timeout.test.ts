// The run's own timeout: the driver keeps the deadline and sends run_timed_out; the engine fails the run.
import { describe, expect, it } from "vitest";
import { RunHarness } from "./test-harness.ts";

const task = (id: string) => ({ id, type: "task", tool: "claude_code", prompt: `do ${id}` });

describe("run_timed_out", () => {
  it("fails a running run, cancels its running tasks and dispatches nothing more", () => {
    const run = RunHarness.fromWorkflow({
      name: "wf",
      workflow_type: "graph",
      definition: {
        nodes: [task("a"), task("b"), task("c")],
        edges: [
          { from: "a", to: "c" },
          { from: "b", to: "c" },
        ],
      },
    });
    run.complete("a", "A");
    const taskOfB = "00000000-0000-4000-8000-00000000000b";
    run.send({ type: "task_created", node_id: "b", iteration: 0, attempt: 1, task_id: taskOfB });

    const actions = run.send({ type: "run_timed_out", timeout_seconds: 600 });

    expect(actions).toEqual([
      { type: "cancel_task", node_id: "b", iteration: 0, attempt: 1, task_id: taskOfB },
      { type: "run_finished", status: "failed", result: null, error: "run timed out after 600 s" },
    ]);
    expect(run.state.status).toBe("failed");
    expect(run.state.error).toBe("run timed out after 600 s");
    expect(Object.fromEntries(Object.entries(run.state.nodes).map(([id, node]) => [id, node.status]))).toEqual({
      a: "completed",
      b: "cancelled",
      c: "cancelled",
    });
    // A late result of the cancelled task changes nothing.
    expect(run.complete("b", "B")).toEqual([]);
    expect(run.dispatched.map((dispatch) => dispatch.node_id)).toEqual(["a", "b"]);
  });

  it("fails a paused run and one waiting for approval too", () => {
    const paused = RunHarness.fromWorkflow({
      name: "wf",
      workflow_type: "sequential",
      definition: { nodes: [task("a"), task("b")] },
    });
    paused.send({ type: "pause" });
    paused.complete("a", "A");
    expect(paused.state.nodes.b!.status).toBe("ready");
    paused.send({ type: "run_timed_out", timeout_seconds: 5 });
    expect(paused.state).toMatchObject({ status: "failed", error: "run timed out after 5 s" });
    expect(paused.state.nodes.b!.status).toBe("cancelled");

    const waiting = RunHarness.fromWorkflow({
      name: "wf",
      workflow_type: "sequential",
      definition: { nodes: [{ id: "gate", type: "approval" }, task("ship")] },
    });
    expect(waiting.state.status).toBe("waiting_approval");
    waiting.send({ type: "run_timed_out", timeout_seconds: 60 });
    expect(waiting.state).toMatchObject({ status: "failed", error: "run timed out after 60 s" });
    expect(waiting.state.nodes.gate!.status).toBe("cancelled");
    expect(waiting.send({ type: "approval_decided", node_id: "gate", iteration: 0, approved: true })).toEqual([]);
    expect(waiting.dispatched).toEqual([]);
  });

  it("is ignored once the run has finished", () => {
    const run = RunHarness.fromWorkflow({
      name: "wf",
      workflow_type: "sequential",
      definition: { nodes: [task("a")] },
    });
    run.complete("a", "A");
    expect(run.state.status).toBe("completed");
    expect(run.send({ type: "run_timed_out", timeout_seconds: 1 })).toEqual([]);
    expect(run.state).toMatchObject({ status: "completed", error: null });
  });
});
