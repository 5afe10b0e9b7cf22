// Retries, timeouts, pause/resume, cancel and approvals on real runs; the clock is moved by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { manualClock } from "./queue.support.ts";
import {
  answer,
  countByNode,
  createWorkflow,
  drive,
  execute,
  getRun,
  nodeOf,
  type Owner,
  ownerWithWorker,
  pullOne,
  tasksOfWorkflow,
} from "./workflows.runs.support.ts";

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
  const clock = manualClock();
  let server: TestServer;
  let api: ApiClient;
  let owner: Owner;
  const as = () => ({ token: owner.access_token });

  beforeAll(async () => {
    // A long heartbeat keeps leases (3 intervals) longer than the timeouts these tests provoke.
    server = await startTestServer({ heartbeatIntervalSeconds: 120, accessTokenTtlSeconds: 7 * 24 * 3600 }, { clock });
    api = apiClient(server.url);
    owner = await ownerWithWorker(api);
  });
  afterAll(() => server?.close());

  it("retries a failed node after its backoff, with a new task, then succeeds", async () => {
    const workflowId = await createWorkflow(api, owner, chain({ retries: 2 }));
    const runId = await execute(api, owner, workflowId);
    const first = (await pullOne(api, owner))!;
    await answer(api, owner, first, { error: "rate limited" });
    await server.advancer.runOnce();

    const waiting = await getRun(api, owner, runId);
    expect(nodeOf(waiting, "a")).toMatchObject({ status: "waiting_retry", attempts: 1, error: "rate limited" });
    // Not before its time: nothing to pull.
    expect(await pullOne(api, owner)).toBeNull();

    clock.advance(5 * 60);
    await server.advancer.runOnce();
    const second = (await pullOne(api, owner))!;
    expect(second).toMatchObject({ node_id: "a", prompt: "first" });
    expect(second.task_id).not.toBe(first.task_id);
    await answer(api, owner, second, { output: "A" });
    const { run, tasks } = await drive(server, api, owner, runId, () => ({ output: "B" }));
    expect(run.status).toBe("completed");
    expect(tasks.map((task) => task.prompt)).toEqual(["second after A"]);
    expect(nodeOf(run, "a")).toMatchObject({ status: "completed", attempts: 2, task_id: second.task_id });
    expect(countByNode(await tasksOfWorkflow(api, owner, workflowId))).toEqual({ a: 2, b: 1 });
  });

  it("fails the run when the retries run out, naming the node and its last error", async () => {
    const workflowId = await createWorkflow(api, owner, chain({ retries: 1 }));
    const runId = await execute(api, owner, workflowId);
    for (let attempt = 0; attempt < 2; attempt++) {
      // The step that takes in a failure must see the clock before it moves, or the backoff starts later.
      await server.advancer.runOnce();
      clock.advance(5 * 60);
      await server.advancer.runOnce();
      await answer(api, owner, (await pullOne(api, owner))!, { error: `boom ${attempt}` });
    }
    await server.advancer.runOnce();
    const run = await getRun(api, owner, runId);
    expect(run.status).toBe("failed");
    expect(run.error).toBe('node "a" failed: boom 1');
    expect(nodeOf(run, "b").status).toBe("cancelled");
  });

  it("does not retry a node whose worker says another try cannot help", async () => {
    const workflowId = await createWorkflow(api, owner, chain({ retries: 2 }));
    const runId = await execute(api, owner, workflowId);
    const first = (await pullOne(api, owner))!;
    await answer(api, owner, first, { error: "claude is not installed", retryable: false });
    await server.advancer.runOnce();

    const run = await getRun(api, owner, runId);
    expect(run.status).toBe("failed");
    expect(run.error).toBe('node "a" failed: claude is not installed');
    expect(nodeOf(run, "a")).toMatchObject({ status: "failed", attempts: 1 });
    clock.advance(5 * 60);
    await server.advancer.runOnce();
    expect(await pullOne(api, owner)).toBeNull();
    expect(countByNode(await tasksOfWorkflow(api, owner, workflowId))).toEqual({ a: 1 });
  });

  it("times out a node whose task runs past its timeout, and retries it", async () => {
    const workflowId = await createWorkflow(api, owner, chain({ timeout_seconds: 10, retries: 1 }));
    const runId = await execute(api, owner, workflowId);
    const held = (await pullOne(api, owner))!;
    await answer(api, owner, held, "hold");
    // The worker stays in touch (earlier tests moved the clock far past its registration)…
    const beat = await api.post(
      `/api/v1/workers/${owner.workerId}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [held.task_id] },
      { token: owner.key },
    );
    expect(beat.status).toBe(200);
    // …and the reaper times the task out after its timeout plus a grace for the worker to report it.
    clock.advance(10 + 31);
    expect((await server.reaper.runOnce(clock.now())).timedOut).toBe(1);
    await server.advancer.runOnce();
    const retrying = await getRun(api, owner, runId);
    expect(nodeOf(retrying, "a")).toMatchObject({ status: "waiting_retry", error: "timed out after 10s" });

    clock.advance(5 * 60);
    const { run } = await drive(server, api, owner, runId, (task) => ({ output: task.node_id }));
    expect(run.status).toBe("completed");
    expect(nodeOf(run, "a").attempts).toBe(2);
    // The late result of the timed-out attempt is refused.
    const late = await api.post(
      `/api/v1/tasks/${held.task_id}/complete`,
      { attempt_token: held.attempt_token, result: { output: "too late" } },
      { token: owner.key },
    );
    expect(late.status).toBe(409);
  });

  it("pause dispatches nothing new while running nodes finish; resume continues", async () => {
    const workflowId = await createWorkflow(api, owner, chain());
    const runId = await execute(api, owner, workflowId);
    const a = (await pullOne(api, owner))!;
    await answer(api, owner, a, "hold");

    const paused = await api.post(`/api/v1/runs/${runId}/pause`, undefined, as());
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe("paused");
    expect((await api.post(`/api/v1/runs/${runId}/pause`, undefined, as())).status).toBe(409);

    await api.post(
      `/api/v1/tasks/${a.task_id}/complete`,
      { attempt_token: a.attempt_token, result: { output: "A" } },
      { token: owner.key },
    );
    await server.advancer.runOnce();
    const held = await getRun(api, owner, runId);
    expect(held.status).toBe("paused");
    expect(nodeOf(held, "a").status).toBe("completed");
    expect(nodeOf(held, "b").status).toBe("ready");
    expect(await pullOne(api, owner)).toBeNull();

    const resumed = await api.post(`/api/v1/runs/${runId}/resume`, undefined, as());
    expect(resumed.body.status).toBe("running");
    expect(nodeOf(resumed.body, "b").status).toBe("running");
    const { run } = await drive(server, api, owner, runId, () => ({ output: "B" }));
    expect(run.status).toBe("completed");
  });

  it("pause and resume on a workflow act on its active runs", async () => {
    const workflowId = await createWorkflow(api, owner, chain());
    const runs = [await execute(api, owner, workflowId), await execute(api, owner, workflowId)];
    const paused = await api.post(`/api/v1/workflows/${workflowId}/pause`, undefined, as());
    expect(paused.status).toBe(200);
    expect(paused.body.items.map((run: any) => run.status)).toEqual(["paused", "paused"]);
    for (const runId of runs) expect((await getRun(api, owner, runId)).status).toBe("paused");
    const resumed = await api.post(`/api/v1/workflows/${workflowId}/resume`, undefined, as());
    expect(resumed.body.items.map((run: any) => run.status)).toEqual(["running", "running"]);
    for (const runId of runs) await api.post(`/api/v1/runs/${runId}/cancel`, undefined, as());
  });

  it("cancel stops the run and cancels its running task, which the worker can no longer report", async () => {
    const workflowId = await createWorkflow(api, owner, chain());
    const runId = await execute(api, owner, workflowId);
    const a = (await pullOne(api, owner))!;
    await answer(api, owner, a, "hold");
    const cancelled = await api.post(`/api/v1/runs/${runId}/cancel`, undefined, as());
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", error: "cancelled by user" });
    expect(cancelled.body.nodes.map((node: any) => node.status)).toEqual(["cancelled", "cancelled"]);
    expect((await api.get(`/api/v1/tasks/${a.task_id}`, as())).body.status).toBe("cancelled");
    const late = await api.post(
      `/api/v1/tasks/${a.task_id}/complete`,
      { attempt_token: a.attempt_token, result: { output: "A" } },
      { token: owner.key },
    );
    expect(late.status).toBe(409);
    expect((await api.post(`/api/v1/runs/${runId}/cancel`, undefined, as())).status).toBe(409);
    expect((await api.post(`/api/v1/runs/${runId}/resume`, undefined, as())).status).toBe(409);
  });

  it("an approval node waits for a person: approve continues, reject fails the run", async () => {
    const workflowId = await createWorkflow(api, owner, {
      workflow_type: "sequential",
      input: { version: "1.2" },
      definition: {
        nodes: [
          { id: "gate", type: "approval", message: "Ship {{input.version}}?" },
          { id: "ship", type: "task", tool: "claude_code", prompt: "Ship it" },
        ],
      },
    });
    const approved = await execute(api, owner, workflowId);
    const waiting = await getRun(api, owner, approved);
    expect(waiting.status).toBe("waiting_approval");
    expect(nodeOf(waiting, "gate").status).toBe("waiting_approval");
    expect(await pullOne(api, owner)).toBeNull();
    expect((await api.post(`/api/v1/runs/${approved}/nodes/ship/approve`, undefined, as())).status).toBe(409);
    expect((await api.post(`/api/v1/runs/${approved}/nodes/nope/approve`, undefined, as())).status).toBe(404);

    const yes = await api.post(`/api/v1/runs/${approved}/nodes/gate/approve`, { comment: "go" }, as());
    expect(yes.status).toBe(200);
    expect(nodeOf(yes.body, "gate")).toMatchObject({ status: "completed", output: "go" });
    const { run } = await drive(server, api, owner, approved, () => ({ output: "shipped" }));
    expect(run.status).toBe("completed");

    const rejected = await execute(api, owner, workflowId);
    const no = await api.post(`/api/v1/runs/${rejected}/nodes/gate/reject`, { comment: "not today" }, as());
    expect(no.body.status).toBe("failed");
    expect(no.body.error).toBe(`node "gate" failed: rejected by ${owner.username}: not today`);
  });

  it("lists a workflow's runs newest first, and hides runs from other users", async () => {
    const workflowId = await createWorkflow(api, owner, chain());
    const first = await execute(api, owner, workflowId);
    clock.advance(1);
    const second = await execute(api, owner, workflowId);
    const listed = await api.get(`/api/v1/workflows/${workflowId}/runs?limit=1`, as());
    expect(listed.body.items.map((run: any) => run.run_id)).toEqual([second]);
    const next = await api.get(`/api/v1/workflows/${workflowId}/runs?limit=1&cursor=${listed.body.next_cursor}`, as());
    expect(next.body.items.map((run: any) => run.run_id)).toEqual([first]);
    expect(next.body.next_cursor).toBeNull();
    // The dashboard's spellings answer the same run.
    expect((await api.get(`/api/v1/workflows/${workflowId}/runs/${first}`, as())).body.run_id).toBe(first);

    const stranger = await createUser(api);
    const theirs = { token: stranger.access_token };
    expect((await api.get(`/api/v1/runs/${first}`, theirs)).status).toBe(404);
    expect((await api.post(`/api/v1/runs/${first}/cancel`, undefined, theirs)).status).toBe(404);
    expect((await api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, theirs)).status).toBe(404);
    expect((await api.get(`/api/v1/workflows/${workflowId}/runs`, theirs)).status).toBe(404);
    expect((await api.get(`/api/v1/workflows/${workflowId}/runs/${first}`, theirs)).status).toBe(404);
    expect((await api.post(`/api/v1/workflows/${workflowId}/execute`, { input: "x" }, as())).status).toBe(400);
    expect((await api.get("/api/v1/runs/not-a-uuid", as())).status).toBe(400);
    for (const runId of [first, second]) await api.post(`/api/v1/runs/${runId}/cancel`, undefined, as());
  });
});
