// Retries, timeouts, pause/resume, cancel and approvals on real runs; the clock is moved by hand.
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { countByNode, nodeOf, useRunTest } from "./workflows.runs.support.ts";

const chain = (extra: Record<string, unknown> = {}) => ({
  workflow_type: "sequential",
  definition: {
    nodes: [
      { id: "a", type: "task", tool: "claude_code", prompt: "first", ...extra },
      { id: "b", type: "task", tool: "claude_code", prompt: "second after {{nodes.a.output}}" },
    ],
  },
});

describe.skipIf(postgresStackMissing())("workflow runs: retries, timeouts, pause, cancel, approval", () => {
  // A long heartbeat keeps leases (3 intervals) longer than the timeouts these tests provoke.
  const t = useRunTest({ heartbeatIntervalSeconds: 120 });

  it("retries a failed node after its backoff, with a new task, then succeeds", async () => {
    const workflowId = await t.createWorkflow(chain({ retries: 2 }));
    const runId = await t.execute(workflowId);
    const first = (await t.pullOne())!;
    await t.answer(first, { error: "rate limited" });
    await t.step();

    const waiting = await t.getRun(runId);
    expect(nodeOf(waiting, "a")).toMatchObject({ status: "waiting_retry", attempts: 1, error: "rate limited" });
    // Not before its time: nothing to pull.
    expect(await t.pullOne()).toBeNull();

    t.clock.advance(5 * 60);
    await t.step();
    const second = (await t.pullOne())!;
    expect(second).toMatchObject({ node_id: "a", prompt: "first" });
    expect(second.task_id).not.toBe(first.task_id);
    await t.answer(second, { output: "A" });
    const { run, tasks } = await t.drive(runId, () => ({ output: "B" }));
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => task.prompt)).toEqual(["second after A"]);
    expect(nodeOf(run, "a")).toMatchObject({ status: "completed", attempts: 2, task_id: second.task_id });
    expect(countByNode(await t.tasksOfWorkflow(workflowId))).toEqual({ a: 2, b: 1 });
  });

  it("fails the run when the retries run out, naming the node and its last error", async () => {
    const workflowId = await t.createWorkflow(chain({ retries: 1 }));
    const runId = await t.execute(workflowId);
    for (let attempt = 0; attempt < 2; attempt++) {
      // The step that takes in a failure must see the clock before it moves, or the backoff starts later.
      await t.step();
      t.clock.advance(5 * 60);
      await t.step();
      await t.answer((await t.pullOne())!, { error: `boom ${attempt}` });
    }
    await t.step();
    const run = await t.getRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error).toBe('node "a" failed: boom 1');
    expect(nodeOf(run, "b").status).toBe("cancelled");
  });

  it("does not retry a node whose worker says another try cannot help", async () => {
    const workflowId = await t.createWorkflow(chain({ retries: 2 }));
    const runId = await t.execute(workflowId);
    const first = (await t.pullOne())!;
    await t.answer(first, { error: "claude is not installed", retryable: false });
    await t.step();

    const run = await t.getRun(runId);
    expect(run.status).toBe("failed");
    expect(run.error).toBe('node "a" failed: claude is not installed');
    expect(nodeOf(run, "a")).toMatchObject({ status: "failed", attempts: 1 });
    t.clock.advance(5 * 60);
    await t.step();
    expect(await t.pullOne()).toBeNull();
    expect(countByNode(await t.tasksOfWorkflow(workflowId))).toEqual({ a: 1 });
  });

  it("times out a node whose task runs past its timeout, and retries it", async () => {
    const workflowId = await t.createWorkflow(chain({ timeout_seconds: 10, retries: 1 }));
    const runId = await t.execute(workflowId);
    const held = (await t.pullOne())!;
    await t.answer(held, "hold");
    // The worker stays in touch (earlier tests moved the clock far past its registration)…
    const beat = await t.api.post(
      `/api/v1/workers/${t.owner.workerId}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [held.task_id] },
      { token: t.owner.key },
    );
    expect(beat.status).toBe(200);
    // …and the reaper times the task out after its timeout plus a grace for the worker to report it.
    t.clock.advance(10 + 31);
    expect((await t.server.reaper.runOnce(t.clock.now())).timedOut).toBe(1);
    await t.step();
    const retrying = await t.getRun(runId);
    expect(nodeOf(retrying, "a")).toMatchObject({ status: "waiting_retry", error: "timed out after 10s" });

    t.clock.advance(5 * 60);
    const { run } = await t.drive(runId, (task) => ({ output: task.node_id }));
    expect(run.status).toBe("completed");
    expect(nodeOf(run, "a").attempts).toBe(2);
    // The late result of the timed-out attempt is refused.
    const late = await t.api.post(
      `/api/v1/tasks/${held.task_id}/complete`,
      { attempt_token: held.attempt_token, result: { output: "too late" } },
      { token: t.owner.key },
    );
    expect(late.status).toBe(409);
  });

  it("pause dispatches nothing new while running nodes finish; resume continues", async () => {
    const workflowId = await t.createWorkflow(chain());
    const runId = await t.execute(workflowId);
    const a = (await t.pullOne())!;
    await t.answer(a, "hold");

    const paused = await t.control(runId, "pause");
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("paused");
    expect((await t.control(runId, "pause")).status).toBe(409);

    await t.api.post(
      `/api/v1/tasks/${a.task_id}/complete`,
      { attempt_token: a.attempt_token, result: { output: "A" } },
      { token: t.owner.key },
    );
    await t.step();
    const held = await t.getRun(runId);
    expect(held.status).toBe("paused");
    expect(nodeOf(held, "a").status).toBe("completed");
    expect(nodeOf(held, "b").status).toBe("ready");
    expect(await t.pullOne()).toBeNull();

    const resumed = await t.control(runId, "resume");
    expect(resumed.body.status).toBe("running");
    expect(nodeOf(resumed.body, "b").status).toBe("running");
    const { run } = await t.drive(runId, () => ({ output: "B" }));
    expect(run.status).toBe("completed");
  });

  it("pause and resume on a workflow act on its active runs", async () => {
    const workflowId = await t.createWorkflow(chain());
    const runs = [await t.execute(workflowId), await t.execute(workflowId)];
    const paused = await t.api.post(`/api/v1/workflows/${workflowId}/pause`, undefined, t.as());
    expect(paused.status).toBe(200);
    expect(paused.body.items.map((run: any) => run.status)).toEqual(["paused", "paused"]);
    for (const runId of runs) expect((await t.getRun(runId)).status).toBe("paused");
    // No worker picked up their tasks yet: they resume to pending.
    const resumed = await t.api.post(`/api/v1/workflows/${workflowId}/resume`, undefined, t.as());
    expect(resumed.body.items.map((run: any) => run.status)).toEqual(["pending", "pending"]);
    for (const runId of runs) await t.control(runId, "cancel");
  });

  it("cancel stops the run and cancels its running task, which the worker can no longer report", async () => {
    const workflowId = await t.createWorkflow(chain());
    const runId = await t.execute(workflowId);
    const a = (await t.pullOne())!;
    await t.answer(a, "hold");
    const cancelled = await t.control(runId, "cancel");
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", error: "cancelled by user" });
    expect(cancelled.body.nodes.map((node: any) => node.status)).toEqual(["cancelled", "cancelled"]);
    expect((await t.api.get(`/api/v1/tasks/${a.task_id}`, t.as())).body.status).toBe("cancelled");
    const late = await t.api.post(
      `/api/v1/tasks/${a.task_id}/complete`,
      { attempt_token: a.attempt_token, result: { output: "A" } },
      { token: t.owner.key },
    );
    expect(late.status).toBe(409);
    expect((await t.control(runId, "cancel")).status).toBe(409);
    expect((await t.control(runId, "resume")).status).toBe(409);
  });

  it("an approval node waits for a person: approve continues, reject fails the run", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "sequential",
      input: { version: "1.2" },
      definition: {
        nodes: [
          { id: "gate", type: "approval", message: "Ship {{input.version}}?" },
          { id: "ship", type: "task", tool: "claude_code", prompt: "Ship it" },
        ],
      },
    });
    const approved = await t.execute(workflowId);
    const waiting = await t.getRun(approved);
    expect(waiting.status).toBe("waiting_approval");
    expect(nodeOf(waiting, "gate").status).toBe("waiting_approval");
    expect(await t.pullOne()).toBeNull();
    expect((await t.api.post(`/api/v1/runs/${approved}/nodes/ship/approve`, undefined, t.as())).status).toBe(409);
    expect((await t.api.post(`/api/v1/runs/${approved}/nodes/nope/approve`, undefined, t.as())).status).toBe(404);

    const yes = await t.api.post(`/api/v1/runs/${approved}/nodes/gate/approve`, { comment: "go" }, t.as());
    expect(yes.status).toBe(200);
    expect(nodeOf(yes.body, "gate")).toMatchObject({ status: "completed", output: "go" });
    const { run } = await t.drive(approved, () => ({ output: "shipped" }));
    expect(run.status).toBe("completed");

    const rejected = await t.execute(workflowId);
    const no = await t.api.post(`/api/v1/runs/${rejected}/nodes/gate/reject`, { comment: "not today" }, t.as());
    expect(no.body.status).toBe("failed");
    expect(no.body.error).toBe(`node "gate" failed: rejected by ${t.owner.username}: not today`);
  });

  it("lists a workflow's runs newest first, and hides runs from other users", async () => {
    const workflowId = await t.createWorkflow(chain());
    const first = await t.execute(workflowId);
    t.clock.advance(1);
    const second = await t.execute(workflowId);
    const listed = await t.api.get(`/api/v1/workflows/${workflowId}/runs?limit=1`, t.as());
    expect(listed.body.items.map((run: any) => run.run_id)).toEqual([second]);
    const next = await t.api.get(
      `/api/v1/workflows/${workflowId}/runs?limit=1&cursor=${listed.body.next_cursor}`,
      t.as(),
    );
    expect(next.body.items.map((run: any) => run.run_id)).toEqual([first]);
    expect(next.body.next_cursor).toBeNull();
    // The dashboard's spellings answer the same run.
    expect((await t.api.get(`/api/v1/workflows/${workflowId}/runs/${first}`, t.as())).body.run_id).toBe(first);

    const stranger = await createUser(t.api);
    const theirs = { token: stranger.access_token };
    expect((await t.api.get(`/api/v1/runs/${first}`, theirs)).status).toBe(404);
    expect((await t.api.post(`/api/v1/runs/${first}/cancel`, undefined, theirs)).status).toBe(404);
    expect((await t.api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, theirs)).status).toBe(404);
    expect((await t.api.get(`/api/v1/workflows/${workflowId}/runs`, theirs)).status).toBe(404);
    expect((await t.api.get(`/api/v1/workflows/${workflowId}/runs/${first}`, theirs)).status).toBe(404);
    expect((await t.api.post(`/api/v1/workflows/${workflowId}/execute`, { input: "x" }, t.as())).status).toBe(400);
    expect((await t.api.get("/api/v1/runs/not-a-uuid", t.as())).status).toBe(400);
    for (const runId of [first, second]) await t.control(runId, "cancel");
  });
});
