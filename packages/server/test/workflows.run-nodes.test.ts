// A run's nodes and edges are rows (run_nodes, run_edges): a step writes those it changed and leaves the
// others alone, and a process that did not make the run's latest step reads the rows. Real runs.
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { runEdges, runNodes, workflowRuns } from "../src/db/schema.ts";
import { nodeOf, useRunTest } from "./workflows.runs.support.ts";

const threeSteps = {
  workflow_type: "sequential",
  definition: {
    nodes: [
      { id: "a", type: "task", tool: "claude_code", prompt: "first" },
      { id: "b", type: "task", tool: "claude_code", prompt: "after {{nodes.a.output}}" },
      { id: "c", type: "task", tool: "claude_code", prompt: "after {{nodes.b.output}}" },
    ],
  },
};

describe.skipIf(postgresStackMissing())("workflow runs: node states in rows", () => {
  const t = useRunTest({ heartbeatIntervalSeconds: 600 });

  async function rowsOf(runId: string) {
    const db = t.server.resources.db;
    const nodes = await db.select().from(runNodes).where(eq(runNodes.run_id, runId));
    const edges = await db.select().from(runEdges).where(eq(runEdges.run_id, runId));
    const [run] = await db.select().from(workflowRuns).where(eq(workflowRuns.run_id, runId));
    return { nodes: new Map(nodes.map((row) => [row.node_id, row])), edges, run: run! };
  }

  it("writes only the nodes a step changed, and a process that did not make the last step reads the rows", async () => {
    const workflowId = await t.createWorkflow(threeSteps);
    const runId = await t.execute(workflowId);
    const started = await rowsOf(runId);
    expect([...started.nodes.values()].map((row) => [row.node_id, row.status]).sort()).toEqual([
      ["a", "running"],
      ["b", "pending"],
      ["c", "pending"],
    ]);
    expect(started.edges.map((row) => [row.edge_id, row.status]).sort()).toEqual([
      ["a->b", "pending"],
      ["b->c", "pending"],
    ]);
    // The run row keeps the run's own state; nodes and edges are not in it.
    expect(Object.keys(started.run.state as object).sort()).not.toContain("nodes");
    expect(Object.keys(started.run.state as object).sort()).not.toContain("edges");

    // A mark on c's row: the step that finishes a has no reason to write c.
    const db = t.server.resources.db;
    await db
      .update(runNodes)
      .set({ output: "mark", error: "mark" })
      .where(and(eq(runNodes.run_id, runId), eq(runNodes.node_id, "c")));
    const a = (await t.pullOne())!;
    expect(a.node_id).toBe("a");
    await t.answer(a, { output: "A" });
    await t.step();
    const stepped = await rowsOf(runId);
    expect(stepped.nodes.get("a")).toMatchObject({ status: "completed", output: "A", attempt: 1 });
    expect(stepped.nodes.get("b")).toMatchObject({ status: "running", attempt: 1, iteration: 0 });
    expect(stepped.nodes.get("b")!.task_id).not.toBeNull();
    expect(stepped.nodes.get("c")).toMatchObject({ status: "pending", output: "mark", error: "mark" });
    expect(stepped.edges.find((row) => row.edge_id === "a->b")).toMatchObject({ status: "taken" });

    // As if another replica had stepped the run: the state this process kept is no longer the latest, so
    // the next step reads the rows (and so carries the mark); the API view always reads the rows.
    await db
      .update(workflowRuns)
      .set({ version: stepped.run.version + 1 })
      .where(eq(workflowRuns.run_id, runId));
    expect(nodeOf(await t.getRun(runId), "c")).toMatchObject({ status: "pending", error: "mark" });
    const b = (await t.pullOne())!;
    expect(b.prompt).toBe("after A");
    await t.answer(b, { output: "B" });
    await t.step();
    // Dispatching c kept the output the step read (a node keeps its last output until it has a new one).
    expect((await rowsOf(runId)).nodes.get("c")).toMatchObject({ status: "running", output: "mark", error: null });
    const { run, tasks } = await t.drive(runId, () => ({ output: "C" }));
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => [task.node_id, task.prompt])).toEqual([["c", "after B"]]);
    expect(run.nodes.map((node: { node_id: string; status: string }) => [node.node_id, node.status])).toEqual([
      ["a", "completed"],
      ["b", "completed"],
      ["c", "completed"],
    ]);
    const finished = await rowsOf(runId);
    expect([...finished.nodes.values()].every((row) => row.status === "completed")).toBe(true);
    expect(finished.nodes.get("c")).toMatchObject({ output: "C", error: null });
  });
});
