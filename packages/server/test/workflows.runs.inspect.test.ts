// Inspecting runs: run numbers per workflow, every task attempt of a run's nodes, "re-run with the same
// input", and the approvals inbox. Real server, queue and advancer; the clock is moved by hand.
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { useRunTest } from "./workflows.runs.support.ts";

const chain = (extra: Record<string, unknown> = {}) => ({
  workflow_type: "sequential",
  definition: {
    nodes: [
      { id: "a", type: "task", tool: "claude_code", prompt: "first {{input.topic}}", ...extra },
      { id: "b", type: "task", tool: "claude_code", prompt: "second after {{nodes.a.output}}" },
    ],
  },
});

describe.skipIf(postgresStackMissing())("workflow runs: numbers, attempts, re-run, approvals inbox", () => {
  const t = useRunTest({ heartbeatIntervalSeconds: 120 });

  // First: the owner's worker pulls any queued task, and the later tests leave some queued.
  it("lists every task attempt of the run's nodes: rendered prompt, worker, times, output or error", async () => {
    const workflowId = await t.createWorkflow(chain({ retries: 1 }));
    const runId = await t.execute(workflowId, { topic: "tides" });
    const first = (await t.pullOne())!;
    await t.answer(first, { error: "rate limited" });
    await t.step();
    t.clock.advance(5 * 60);
    await t.step();
    const { run } = await t.drive(runId, (task) => ({ output: task.node_id === "a" ? "A" : "B" }));
    expect(run.status).toBe("completed");

    const response = await t.api.get(`/api/v1/runs/${runId}/attempts`, t.as());
    expect(response.status).toBe(200);
    const attempts = response.body.items;
    expect(
      attempts.map((a: any) => [a.node_id, a.iteration, a.attempt, a.status, a.prompt, a.output, a.error]),
    ).toEqual([
      ["a", 0, 1, "failed", "first tides", null, "rate limited"],
      ["a", 0, 2, "completed", "first tides", "A", null],
      ["b", 0, 1, "completed", "second after A", "B", null],
    ]);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ worker_id: t.owner.workerId, tool: "claude_code" });
      expect(attempt.worker_name).toEqual(expect.any(String));
      expect(attempt.started_at).toEqual(expect.any(String));
      expect(attempt.completed_at).toEqual(expect.any(String));
    }
    expect(attempts[0].task_id).toBe(first.task_id);
  });

  it("numbers runs #1, #2… per workflow, also when they start at the same moment", async () => {
    const first = await t.createWorkflow(chain());
    const other = await t.createWorkflow(chain());
    const one = await t.getRun(await t.execute(first));
    const two = await t.getRun(await t.execute(first));
    const elsewhere = await t.getRun(await t.execute(other));
    expect([one.run_number, two.run_number, elsewhere.run_number]).toEqual([1, 2, 1]);

    const together = await Promise.all(Array.from({ length: 6 }, () => t.execute(first)));
    const numbers = await Promise.all(together.map(async (runId) => (await t.getRun(runId)).run_number));
    expect([...numbers].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7, 8]);

    const listed = await t.api.get(`/api/v1/workflows/${first}/runs?limit=50`, t.as());
    const listedNumbers = listed.body.items.map((run: { run_number: number }) => run.run_number);
    expect(listedNumbers.sort((a: number, b: number) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("re-runs a run with the same input as a new, numbered run; another user's run is not found", async () => {
    const workflowId = await t.createWorkflow(chain());
    const runId = await t.execute(workflowId, { topic: "moons" });
    const again = await t.api.post(`/api/v1/runs/${runId}/rerun`, undefined, t.as());
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ workflow_id: workflowId, run_number: 2, input: { topic: "moons" } });
    expect(again.body.run_id).not.toBe(runId);
    const attempts = await t.api.get(`/api/v1/runs/${again.body.run_id}/attempts`, t.as());
    expect(attempts.body.items.map((attempt: any) => attempt.prompt)).toEqual(["first moons"]);

    const stranger = await createUser(t.api);
    const token = { token: stranger.access_token };
    expect((await t.api.post(`/api/v1/runs/${runId}/rerun`, undefined, token)).status).toBe(404);
    expect((await t.api.get(`/api/v1/runs/${runId}/attempts`, token)).status).toBe(404);
    const bad = await t.api.post("/api/v1/runs/not-a-uuid/rerun", undefined, t.as());
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });

  it("the approvals inbox lists nodes waiting for the user, until they are decided", async () => {
    const before = await t.api.get("/api/v1/approvals", t.as());
    expect(before.status).toBe(200);
    const waitingBefore = before.body.items.length;
    const workflowId = await t.createWorkflow({
      name: "release",
      workflow_type: "sequential",
      definition: {
        nodes: [
          { id: "gate", type: "approval", message: "Ship it?" },
          { id: "ship", type: "task", tool: "claude_code", prompt: "Ship it" },
        ],
      },
    });
    const runId = await t.execute(workflowId);
    const inbox = await t.api.get("/api/v1/approvals", t.as());
    expect(inbox.body.items).toHaveLength(waitingBefore + 1);
    expect(inbox.body.items.find((item: any) => item.run_id === runId)).toMatchObject({
      workflow_id: workflowId,
      workflow_name: "release",
      run_number: 1,
      node_id: "gate",
      message: "Ship it?",
      waiting_since: expect.any(String),
    });

    const stranger = await createUser(t.api);
    const theirs = await t.api.get("/api/v1/approvals", { token: stranger.access_token });
    expect(theirs.body.items).toEqual([]);

    await t.api.post(`/api/v1/runs/${runId}/nodes/gate/approve`, undefined, t.as());
    const after = await t.api.get("/api/v1/approvals", t.as());
    expect(after.body.items.some((item: any) => item.run_id === runId)).toBe(false);
    expect((await t.api.get("/api/v1/approvals")).status).toBe(401);
  });
});
