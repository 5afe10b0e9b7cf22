// A run is pending from its creation until its work begins: a worker picks up one of its tasks, or a node
// that needs no worker acts. Real runs; the clock is moved by hand.
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { registerWorker } from "./queue.support.ts";
import { nodeOf, useRunTest } from "./workflows.runs.support.ts";

const single = (extra: Record<string, unknown> = {}) => ({
  workflow_type: "sequential",
  definition: { nodes: [{ id: "a", type: "task", tool: "claude_code", prompt: "first" }] },
  ...extra,
});

const twoSteps = {
  workflow_type: "sequential",
  definition: {
    nodes: [
      { id: "a", type: "task", tool: "claude_code", prompt: "first" },
      { id: "b", type: "task", tool: "claude_code", prompt: "second" },
    ],
  },
};

describe.skipIf(postgresStackMissing())("workflow runs: pending until work begins", () => {
  // A long heartbeat keeps a picked-up task's lease alive while the clock moves.
  const t = useRunTest({ heartbeatIntervalSeconds: 600 });

  it("stays pending, not started, while no worker can take its task; pause, resume and cancel work from there", async () => {
    // A user whose only worker offers another tool: nothing can pick the node up.
    const user = await createUser(t.api);
    const key = await createApiKey(t.api, user);
    await registerWorker(t.api, key, { tools: ["ollama"], slots: 4 });
    const as = { token: user.access_token };
    const created = await t.api.post("/api/v1/workflows", { name: "wf", ...single() }, as);
    const started = await t.api.post(`/api/v1/workflows/${created.body.workflow_id}/execute`, undefined, as);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: "pending", started_at: null });
    const runId = started.body.run_id;

    t.clock.advance(60);
    await t.step();
    expect((await t.api.get(`/api/v1/runs/${runId}`, as)).body).toMatchObject({ status: "pending", started_at: null });

    expect((await t.api.post(`/api/v1/runs/${runId}/pause`, undefined, as)).body.status).toBe("paused");
    expect((await t.api.post(`/api/v1/runs/${runId}/resume`, undefined, as)).body.status).toBe("pending");

    const cancelled = await t.api.post(`/api/v1/runs/${runId}/cancel`, undefined, as);
    expect(cancelled.body).toMatchObject({ status: "cancelled", started_at: null, error: "cancelled by user" });
    expect(cancelled.body.finished_at).not.toBeNull();
    const task = nodeOf(cancelled.body, "a").task_id;
    expect((await t.api.get(`/api/v1/tasks/${task}`, as)).body.status).toBe("cancelled");
  });

  it("times out from pending: the deadline counts from the run's creation", async () => {
    const workflowId = await t.createWorkflow(single({ timeout_seconds: 60 }));
    const runId = await t.execute(workflowId);
    const pending = await t.getRun(runId);
    expect(pending.status).toBe("pending");
    expect(pending.deadline_at).toBe(new Date(Date.parse(pending.created_at) + 60_000).toISOString());
    t.clock.advance(60);
    await t.step();
    const run = await t.getRun(runId);
    expect(run).toMatchObject({
      status: "failed",
      error: "run timed out after 60 s",
      started_at: null,
      timeout_seconds: 60,
      deadline_at: pending.deadline_at,
    });
    expect(await t.pullOne()).toBeNull();
  });

  it("leaves pending when a worker picks up its first task, and started_at is that moment", async () => {
    const workflowId = await t.createWorkflow(twoSteps);
    const runId = await t.execute(workflowId);
    const { created_at } = await t.getRun(runId);
    t.clock.advance(30);
    const a = (await t.pullOne())!;
    expect(a.node_id).toBe("a");

    // No step by hand: the pickup alone moves the run.
    const run = await t.waitForRun(runId, (current) => current.status !== "pending");
    expect(run.status).toBe("running");
    expect(run.started_at).toBe(new Date(Date.parse(created_at) + 30_000).toISOString());

    t.clock.advance(30);
    await t.answer(a, { output: "A" });
    const { run: done } = await t.drive(runId, () => ({ output: "B" }));
    expect(done).toMatchObject({ status: "completed", started_at: run.started_at });
  });

  it("tells where each node's task is: queued while it waits for a worker, then on the worker that took it", async () => {
    const workflowId = await t.createWorkflow(twoSteps);
    const runId = await t.execute(workflowId);
    const waiting = await t.getRun(runId);
    // The node is running from the run's point of view, but its task is still in the queue.
    expect(nodeOf(waiting, "a")).toMatchObject({ status: "running", task_status: "queued", worker_id: null });
    expect(nodeOf(waiting, "b")).toMatchObject({
      status: "pending",
      task_id: null,
      task_status: null,
      worker_id: null,
    });

    const a = (await t.pullOne())!;
    expect(nodeOf(await t.getRun(runId), "a")).toMatchObject({
      status: "running",
      task_id: a.task_id,
      task_status: "assigned",
      worker_id: t.owner.workerId,
    });
    await t.answer(a, "hold");
    expect(nodeOf(await t.getRun(runId), "a")).toMatchObject({ task_status: "running", worker_id: t.owner.workerId });

    // A list answers the same, for every run on the page.
    const second = await t.execute(workflowId);
    const listed = await t.api.get(`/api/v1/workflows/${workflowId}/runs`, t.as());
    expect(listed.status).toBe(200);
    const byId = new Map(listed.body.items.map((run: { run_id: string }) => [run.run_id, run]));
    expect(nodeOf(byId.get(runId) as never, "a")).toMatchObject({
      task_status: "running",
      worker_id: t.owner.workerId,
    });
    expect(nodeOf(byId.get(second) as never, "a")).toMatchObject({ task_status: "queued", worker_id: null });
    const cancelled = (await t.control(second, "cancel")).body;
    expect(nodeOf(cancelled, "a")).toMatchObject({ status: "cancelled", task_status: "cancelled", worker_id: null });

    const completed = await t.api.post(
      `/api/v1/tasks/${a.task_id}/complete`,
      { attempt_token: a.attempt_token, result: { output: "A", exit_code: 0 } },
      { token: t.owner.key },
    );
    expect(completed.status).toBe(200);
    const { run: done } = await t.drive(runId, () => ({ output: "B" }));
    expect(done.status).toBe("completed");
    for (const id of ["a", "b"]) {
      expect(nodeOf(done, id)).toMatchObject({
        status: "completed",
        task_status: "completed",
        worker_id: t.owner.workerId,
      });
    }
  });

  it("a run paused while pending resumes to running once its task was picked up meanwhile", async () => {
    const workflowId = await t.createWorkflow(single());
    const runId = await t.execute(workflowId);
    expect((await t.control(runId, "pause")).body.status).toBe("paused");
    // A task dispatched before the pause may still be taken.
    const a = (await t.pullOne())!;
    await t.answer(a, "hold");
    await t.step();
    const paused = await t.getRun(runId);
    expect(paused.status).toBe("paused");
    expect(paused.started_at).not.toBeNull();
    expect((await t.control(runId, "resume")).body.status).toBe("running");
    await t.control(runId, "cancel");
  });

  it("begins at once when its first node needs no worker (an approval)", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "sequential",
      definition: {
        nodes: [
          { id: "gate", type: "approval", message: "go?" },
          { id: "a", type: "task", tool: "claude_code", prompt: "first" },
        ],
      },
    });
    const run = await t.getRun(await t.execute(workflowId));
    expect(run.status).toBe("waiting_approval");
    expect(run.started_at).toBe(run.created_at);
    await t.control(run.run_id, "cancel");
  });
});
