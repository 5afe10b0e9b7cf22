// Real runs end to end, one per workflow type: the API starts them, the advancer steps them, a test worker
// pulls every node task over HTTP and answers it. The clock is moved by hand where time matters.
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { shipFeature } from "../src/workflows/engine/test-examples.ts";
import { registerWorker } from "./queue.support.ts";
import { countByNode, nodeOf, useRunTest } from "./workflows.runs.support.ts";

describe.skipIf(postgresStackMissing())("workflow runs: each type end to end", () => {
  const t = useRunTest({ heartbeatIntervalSeconds: 60 });

  it("sequential: each node's output feeds the next; one task per node; affinity to the upstream worker", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "sequential",
      input: { topic: "owls" },
      definition: {
        nodes: [
          { id: "outline", type: "task", tool: "claude_code", prompt: "Outline {{input.topic}}" },
          { id: "draft", type: "task", tool: "gemini_cli", prompt: "Draft from: {{nodes.outline.output}}" },
          { id: "polish", type: "task", tool: "codex_cli", prompt: "Polish: {{nodes.draft.output}}" },
        ],
      },
    });
    const runId = await t.execute(workflowId, { topic: "bats" });
    const { run, tasks } = await t.drive(runId, (task) => ({ output: `${task.node_id} done` }));

    expect(run.status).toBe("completed");
    expect(run.result).toEqual({ output: "polish done", outputs: { polish: "polish done" } });
    expect(tasks.map((task) => [task.node_id, task.prompt])).toEqual([
      ["outline", "Outline bats"],
      ["draft", "Draft from: outline done"],
      ["polish", "Polish: draft done"],
    ]);
    expect(tasks[0]).toMatchObject({ run_id: runId, max_attempts: 1, workflow_id: workflowId });
    expect(tasks[1]!.options).toEqual({ prefer_worker_id: t.owner.workerId });
    expect(run.nodes.map((node: any) => [node.node_id, node.status, node.attempts, node.iteration])).toEqual([
      ["outline", "completed", 1, 0],
      ["draft", "completed", 1, 0],
      ["polish", "completed", 1, 0],
    ]);
    expect(nodeOf(run, "draft")).toMatchObject({ output: "draft done", task_id: tasks[1]!.task_id, error: null });
    expect(countByNode(await t.tasksOfWorkflow(workflowId))).toEqual({ outline: 1, draft: 1, polish: 1 });
  });

  it("concurrent: one task fanned out to N replicas, then an aggregator sees every output", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "concurrent",
      definition: {
        nodes: [
          { id: "guess", type: "task", tool: "ollama", prompt: "Guess a number", replicas: 3 },
          { id: "pick", type: "aggregator", tool: "claude_code", prompt: "Pick from {{upstream}}" },
        ],
      },
    });
    const runId = await t.execute(workflowId);
    let n = 0;
    const { run, tasks } = await t.drive(runId, () => ({ output: `n${++n}` }));
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => task.node_id).sort()).toEqual(["guess/1", "guess/2", "guess/3", "pick"]);
    const pick = tasks.find((task) => task.node_id === "pick")!;
    expect(JSON.parse(pick.prompt.slice("Pick from ".length)).sort()).toEqual(["n1", "n2", "n3"]);
    expect(run.result.output).toBe("n4");
  });

  it('concurrent with replicas "all": one node per eligible worker, each pinned to its worker', async () => {
    const other = await registerWorker(t.api, t.owner.key, { tools: ["ollama"], slots: 4 });
    const workflowId = await t.createWorkflow({
      workflow_type: "concurrent",
      definition: { nodes: [{ id: "probe", type: "task", tool: "ollama", prompt: "uname", replicas: "all" }] },
    });
    const runId = await t.execute(workflowId);
    const run = await t.getRun(runId);
    const probes = (await t.tasksOfWorkflow(workflowId)).map((task) => task.pinned_worker_id).sort();
    expect(run.nodes.map((node: any) => node.node_id)).toEqual(["probe/1", "probe/2"]);
    expect(probes).toEqual([t.owner.workerId, other.worker_id].sort());
    // Each pinned task goes only to its worker.
    const { run: done, tasks } = await t.drive(runId, () => ({ output: "linux" }), {
      until: (current) => current.nodes.filter((node: any) => node.status === "completed").length === 1,
    });
    expect(tasks.map((task) => task.pinned_worker_id)).toEqual([t.owner.workerId]);
    expect(done.status).toBe("running");
    await t.api.post(`/api/v1/runs/${runId}/cancel`, undefined, t.as());
  });

  it("graph: the ship-feature example takes the true branch when the tests pass", async () => {
    const workflowId = await t.createWorkflow(shipFeature);
    const runId = await t.execute(workflowId);
    const { run, tasks } = await t.drive(runId, (task) =>
      task.node_id === "test" ? { output: "PASS: 12 tests" } : { output: `${task.node_id} ok` },
    );
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => task.node_id).sort()).toEqual(["deploy", "generate", "review", "test"]);
    expect(tasks.find((task) => task.node_id === "review")!.prompt).toBe("Review: generate ok");
    expect(tasks[0]!.prompt).toBe("Write code for dark mode");
    expect(nodeOf(run, "passed")).toMatchObject({ status: "completed", output: "true" });
    expect(nodeOf(run, "fix").status).toBe("skipped");
    expect(run.result.outputs).toEqual({ deploy: "deploy ok" });
  });

  it("graph: failing tests loop back through fix, and the run fails when the loop reaches max_iterations", async () => {
    const workflowId = await t.createWorkflow(shipFeature);
    const runId = await t.execute(workflowId);
    const { run, tasks } = await t.drive(runId, (task) =>
      task.node_id === "test" ? { output: "FAIL: 2 tests" } : { output: `${task.node_id} ok` },
    );
    expect(run.status).toBe("failed");
    expect(run.error).toContain('loop edge "fix->generate" reached its bound: max_iterations 3');
    const perNode = countByNode(tasks);
    // The first pass plus three loop-backs: four times generate, review, test and fix; never deploy.
    expect(perNode).toEqual({ generate: 4, review: 4, test: 4, fix: 4 });
    expect(countByNode(await t.tasksOfWorkflow(workflowId))).toEqual(perNode);
    expect(tasks.filter((task) => task.node_id === "fix").map((task) => task.prompt)).toEqual(
      Array(4).fill("Fix: FAIL: 2 tests"),
    );
    expect(nodeOf(run, "generate").iteration).toBe(3);
  });

  it("graph: a loop that turns green in its second pass deploys", async () => {
    const workflowId = await t.createWorkflow(shipFeature);
    const runId = await t.execute(workflowId);
    let testRuns = 0;
    const { run, tasks } = await t.drive(runId, (task) =>
      task.node_id === "test" ? { output: ++testRuns >= 2 ? "PASS" : "FAIL" } : { output: `${task.node_id} ok` },
    );
    expect(run.status).toBe("completed");
    expect(countByNode(tasks)).toEqual({ generate: 2, review: 2, test: 2, fix: 1, deploy: 1 });
    expect(nodeOf(run, "generate")).toMatchObject({ iteration: 1, attempts: 1 });
  });

  it("hierarchical: the director's plan becomes nodes of the run, then the aggregator sums up", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "hierarchical",
      definition: {
        nodes: [
          {
            id: "lead",
            type: "director",
            tool: "claude_code",
            prompt: "Plan the release",
            allowed_tools: ["gemini_cli", "codex_cli"],
          },
          { id: "sum", type: "aggregator", tool: "claude_code", prompt: "Summarise {{upstream}}" },
        ],
      },
    });
    const runId = await t.execute(workflowId);
    const plan = {
      tasks: [
        { id: "docs", prompt: "Write docs", tool: "gemini_cli" },
        { id: "notes", prompt: "Notes from {{nodes.docs.output}}", tool: "codex_cli", depends_on: ["docs"] },
      ],
    };
    const { run, tasks } = await t.drive(runId, (task) =>
      task.node_id === "lead"
        ? { output: `Here is the plan:\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`` }
        : { output: `${task.node_id} ok` },
    );
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => task.node_id)).toEqual(["lead", "lead/docs", "lead/notes", "sum"]);
    expect(tasks[0]!.prompt).toContain("Answer with only a JSON object");
    expect(tasks[2]!.prompt).toBe("Notes from lead/docs ok");
    expect(JSON.parse(tasks[3]!.prompt.slice("Summarise ".length))).toEqual(["lead/docs ok", "lead/notes ok"]);
    expect(nodeOf(run, "lead/notes")).toMatchObject({ status: "completed", parent_id: "lead" });
  });

  it("hierarchical: a malformed plan fails the director and the run with a clear error", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "hierarchical",
      definition: { nodes: [{ id: "lead", type: "director", tool: "claude_code", prompt: "Plan" }] },
    });
    const runId = await t.execute(workflowId);
    const { run, tasks } = await t.drive(runId, () => ({
      output: JSON.stringify({ tasks: [{ id: "a", prompt: "x", tool: "claude_code", depends_on: ["ghost"] }] }),
    }));
    expect(tasks).toHaveLength(1);
    expect(run.status).toBe("failed");
    expect(nodeOf(run, "lead")).toMatchObject({ status: "failed" });
    expect(run.error).toContain('bad plan: task "a" depends on unknown task "ghost"');
  });

  it("mixture: the same prompt to several experts, then an aggregator", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "mixture",
      input: { q: "Is P = NP?" },
      definition: {
        nodes: [
          { id: "claude", type: "task", tool: "claude_code", prompt: "{{input.q}}" },
          { id: "gemini", type: "task", tool: "gemini_api", prompt: "{{input.q}}" },
          { id: "local", type: "task", tool: "ollama", model: "llama3", prompt: "{{input.q}}" },
          {
            id: "judge",
            type: "aggregator",
            tool: "claude_code",
            prompt: "A: {{nodes.claude.output}} B: {{nodes.gemini.output}} C: {{nodes.local.output}}",
          },
        ],
      },
    });
    const runId = await t.execute(workflowId);
    const { run, tasks } = await t.drive(runId, (task) => ({ output: `${task.node_id} says no` }));
    expect(run.status).toBe("completed");
    expect(tasks.slice(0, 3).map((task) => task.prompt)).toEqual(Array(3).fill("Is P = NP?"));
    expect(tasks.find((task) => task.node_id === "local")!.model).toBe("llama3");
    expect(tasks[3]!.prompt).toBe("A: claude says no B: gemini says no C: local says no");
  });
});
