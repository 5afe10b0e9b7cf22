// Per-run timeouts on real runs: the deadline lives on the run row and the advancer's scan fires it;
// the clock is moved by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { manualClock } from "./queue.support.ts";
import {
  answer,
  createWorkflow,
  drive,
  execute,
  getRun,
  nodeOf,
  type Owner,
  ownerWithWorker,
  pullOne,
} from "./workflows.runs.support.ts";

const single = (extra: Record<string, unknown> = {}) => ({
  workflow_type: "sequential",
  definition: { nodes: [{ id: "a", type: "task", tool: "claude_code", prompt: "first", timeout_seconds: 3600 }] },
  ...extra,
});

describe.skipIf(postgresStackMissing())("workflow runs: per-run timeout", () => {
  const clock = manualClock();
  let server: TestServer;
  let api: ApiClient;
  let owner: Owner;
  const as = () => ({ token: owner.access_token });

  beforeAll(async () => {
    // A long heartbeat keeps the held task's lease alive while the clock moves past the run's deadline.
    server = await startTestServer({ heartbeatIntervalSeconds: 600, accessTokenTtlSeconds: 7 * 24 * 3600 }, { clock });
    api = apiClient(server.url);
    owner = await ownerWithWorker(api);
  });
  afterAll(() => server?.close());

  it("fails a run whose task is still running at the deadline, and cancels that task", async () => {
    const workflowId = await createWorkflow(api, owner, single({ timeout_seconds: 600 }));
    expect((await api.get(`/api/v1/workflows/${workflowId}`, as())).body.timeout_seconds).toBe(600);
    const runId = await execute(api, owner, workflowId);
    const held = (await pullOne(api, owner))!;
    await answer(api, owner, held, "hold");

    // Not before its time.
    clock.advance(599);
    await server.advancer.runOnce();
    expect((await getRun(api, owner, runId)).status).toBe("running");

    clock.advance(1);
    await server.advancer.runOnce();
    const run = await getRun(api, owner, runId);
    expect(run).toMatchObject({ status: "failed", error: "run timed out after 600 s" });
    expect(nodeOf(run, "a").status).toBe("cancelled");
    expect((await api.get(`/api/v1/tasks/${held.task_id}`, as())).body.status).toBe("cancelled");
    const late = await api.post(
      `/api/v1/tasks/${held.task_id}/complete`,
      { attempt_token: held.attempt_token, result: { output: "too late" } },
      { token: owner.key },
    );
    expect(late.status).toBe(409);
    expect(await pullOne(api, owner)).toBeNull();
  });

  it("counts paused time: a paused run fails at its deadline and dispatches nothing", async () => {
    const workflowId = await createWorkflow(api, owner, {
      workflow_type: "sequential",
      timeout_seconds: 60,
      definition: {
        nodes: [
          { id: "a", type: "task", tool: "claude_code", prompt: "first" },
          { id: "b", type: "task", tool: "claude_code", prompt: "second" },
        ],
      },
    });
    const runId = await execute(api, owner, workflowId);
    const a = (await pullOne(api, owner))!;
    expect((await api.post(`/api/v1/runs/${runId}/pause`, undefined, as())).body.status).toBe("paused");
    await answer(api, owner, a, { output: "A" });
    await server.advancer.runOnce();
    expect(nodeOf(await getRun(api, owner, runId), "b").status).toBe("ready");

    clock.advance(60);
    await server.advancer.runOnce();
    const run = await getRun(api, owner, runId);
    expect(run).toMatchObject({ status: "failed", error: "run timed out after 60 s" });
    expect(run.nodes.map((node: any) => node.status)).toEqual(["completed", "cancelled"]);
    expect(await pullOne(api, owner)).toBeNull();
  });

  it("leaves a run that finishes in time alone, and the deadline passing later changes nothing", async () => {
    const workflowId = await createWorkflow(api, owner, single({ timeout_seconds: 600 }));
    const runId = await execute(api, owner, workflowId);
    clock.advance(300);
    const { run } = await drive(server, api, owner, runId, () => ({ output: "A" }));
    expect(run).toMatchObject({ status: "completed", error: null, result: { output: "A" } });

    clock.advance(600);
    await server.advancer.runOnce();
    expect(await getRun(api, owner, runId)).toMatchObject({ status: "completed", error: null });
  });

  it("takes a timeout per execute call, over the workflow's own (or its absence)", async () => {
    const workflowId = await createWorkflow(api, owner, single());
    expect((await api.get(`/api/v1/workflows/${workflowId}`, as())).body.timeout_seconds).toBeNull();
    const started = await api.post(`/api/v1/workflows/${workflowId}/execute`, { timeout_seconds: 30 }, as());
    expect(started.status).toBe(201);
    const held = (await pullOne(api, owner))!;
    await answer(api, owner, held, "hold");

    // Without a timeout a run only ends with its nodes: a plain run of the same workflow keeps running.
    const plain = await execute(api, owner, workflowId);
    await answer(api, owner, (await pullOne(api, owner))!, "hold");
    clock.advance(30);
    await server.advancer.runOnce();
    expect(await getRun(api, owner, started.body.run_id)).toMatchObject({
      status: "failed",
      error: "run timed out after 30 s",
    });
    expect((await getRun(api, owner, plain)).status).toBe("running");
    await api.post(`/api/v1/runs/${plain}/cancel`, undefined, as());
  });

  it("a PATCH sets and clears the workflow's timeout", async () => {
    const workflowId = await createWorkflow(api, owner, single());
    const set = await api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: 3600 }, as());
    expect(set.status).toBe(200);
    expect(set.body.timeout_seconds).toBe(3600);
    const renamed = await api.patch(`/api/v1/workflows/${workflowId}`, { name: "renamed" }, as());
    expect(renamed.body.timeout_seconds).toBe(3600);
    const cleared = await api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: null }, as());
    expect(cleared.body.timeout_seconds).toBeNull();
  });

  it("rejects a bad timeout with a 400 naming body.timeout_seconds", async () => {
    const bad = [0, -5, 1.5, "600", 31 * 24 * 3600];
    for (const value of bad) {
      const created = await api.post("/api/v1/workflows", { name: "wf", ...single({ timeout_seconds: value }) }, as());
      expect(created.status, `create with ${JSON.stringify(value)}`).toBe(400);
      expect(created.body.errors[0].field).toBe("body.timeout_seconds");
    }
    const workflowId = await createWorkflow(api, owner, single());
    const patched = await api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: 0 }, as());
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].field).toBe("body.timeout_seconds");
    const executed = await api.post(`/api/v1/workflows/${workflowId}/execute`, { timeout_seconds: 0 }, as());
    expect(executed.status).toBe(400);
    expect(executed.body.errors[0].field).toBe("body.timeout_seconds");
  });
});
