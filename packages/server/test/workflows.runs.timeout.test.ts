// Per-run timeouts on real runs: the deadline lives on the run row and the advancer's scan fires it;
// the clock is moved by hand.
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { nodeOf, useRunTest } from "./workflows.runs.support.ts";

const single = (extra: Record<string, unknown> = {}) => ({
  workflow_type: "sequential",
  definition: { nodes: [{ id: "a", type: "task", tool: "claude_code", prompt: "first", timeout_seconds: 3600 }] },
  ...extra,
});

describe.skipIf(postgresStackMissing())("workflow runs: per-run timeout", () => {
  // A long heartbeat keeps the held task's lease alive while the clock moves past the run's deadline.
  const t = useRunTest({ heartbeatIntervalSeconds: 600 });

  it("fails a run whose task is still running at the deadline, and cancels that task", async () => {
    const workflowId = await t.createWorkflow(single({ timeout_seconds: 600 }));
    expect((await t.api.get(`/api/v1/workflows/${workflowId}`, t.as())).body.timeout_seconds).toBe(600);
    const runId = await t.execute(workflowId);
    const held = (await t.pullOne())!;
    await t.answer(held, "hold");

    // Not before its time.
    t.clock.advance(599);
    await t.step();
    expect((await t.getRun(runId)).status).toBe("running");

    t.clock.advance(1);
    await t.step();
    const run = await t.getRun(runId);
    expect(run).toMatchObject({ status: "failed", error: "run timed out after 600 s" });
    expect(nodeOf(run, "a").status).toBe("cancelled");
    expect((await t.api.get(`/api/v1/tasks/${held.task_id}`, t.as())).body.status).toBe("cancelled");
    const late = await t.api.post(
      `/api/v1/tasks/${held.task_id}/complete`,
      { attempt_token: held.attempt_token, result: { output: "too late" } },
      { token: t.owner.key },
    );
    expect(late.status).toBe(409);
    expect(await t.pullOne()).toBeNull();
  });

  it("counts paused time: a paused run fails at its deadline and dispatches nothing", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "sequential",
      timeout_seconds: 60,
      definition: {
        nodes: [
          { id: "a", type: "task", tool: "claude_code", prompt: "first" },
          { id: "b", type: "task", tool: "claude_code", prompt: "second" },
        ],
      },
    });
    const runId = await t.execute(workflowId);
    const a = (await t.pullOne())!;
    expect((await t.control(runId, "pause")).body.status).toBe("paused");
    await t.answer(a, { output: "A" });
    await t.step();
    expect(nodeOf(await t.getRun(runId), "b").status).toBe("ready");

    t.clock.advance(60);
    await t.step();
    const run = await t.getRun(runId);
    expect(run).toMatchObject({ status: "failed", error: "run timed out after 60 s" });
    expect(run.nodes.map((node: any) => node.status)).toEqual(["completed", "cancelled"]);
    expect(await t.pullOne()).toBeNull();
  });

  it("leaves a run that finishes in time alone, and the deadline passing later changes nothing", async () => {
    const workflowId = await t.createWorkflow(single({ timeout_seconds: 600 }));
    const runId = await t.execute(workflowId);
    t.clock.advance(300);
    const { run } = await t.drive(runId, () => ({ output: "A" }));
    expect(run).toMatchObject({ status: "completed", error: null, result: { output: "A" } });

    t.clock.advance(600);
    await t.step();
    expect(await t.getRun(runId)).toMatchObject({ status: "completed", error: null });
  });

  it("takes a timeout per execute call, over the workflow's own (or its absence)", async () => {
    const workflowId = await t.createWorkflow(single());
    expect((await t.api.get(`/api/v1/workflows/${workflowId}`, t.as())).body.timeout_seconds).toBeNull();
    const started = await t.api.post(`/api/v1/workflows/${workflowId}/execute`, { timeout_seconds: 30 }, t.as());
    expect(started.status).toBe(201);
    const held = (await t.pullOne())!;
    await t.answer(held, "hold");

    // Without a timeout a run only ends with its nodes: a plain run of the same workflow keeps running.
    const plain = await t.execute(workflowId);
    await t.answer((await t.pullOne())!, "hold");
    t.clock.advance(30);
    await t.step();
    expect(await t.getRun(started.body.run_id)).toMatchObject({
      status: "failed",
      error: "run timed out after 30 s",
    });
    expect((await t.getRun(plain)).status).toBe("running");
    await t.control(plain, "cancel");
  });

  it("a PATCH sets and clears the workflow's timeout", async () => {
    const workflowId = await t.createWorkflow(single());
    const set = await t.api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: 3600 }, t.as());
    expect(set.status).toBe(200);
    expect(set.body.timeout_seconds).toBe(3600);
    const renamed = await t.api.patch(`/api/v1/workflows/${workflowId}`, { name: "renamed" }, t.as());
    expect(renamed.body.timeout_seconds).toBe(3600);
    const cleared = await t.api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: null }, t.as());
    expect(cleared.body.timeout_seconds).toBeNull();
  });

  it("rejects a bad timeout with a 400 naming body.timeout_seconds", async () => {
    const bad = [0, -5, 1.5, "600", 31 * 24 * 3600];
    for (const value of bad) {
      const created = await t.api.post(
        "/api/v1/workflows",
        { name: "wf", ...single({ timeout_seconds: value }) },
        t.as(),
      );
      expect(created.status, `create with ${JSON.stringify(value)}`).toBe(400);
      expect(created.body.errors[0].field).toBe("body.timeout_seconds");
    }
    const workflowId = await t.createWorkflow(single());
    const patched = await t.api.patch(`/api/v1/workflows/${workflowId}`, { timeout_seconds: 0 }, t.as());
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].field).toBe("body.timeout_seconds");
    const executed = await t.api.post(`/api/v1/workflows/${workflowId}/execute`, { timeout_seconds: 0 }, t.as());
    expect(executed.status).toBe(400);
    expect(executed.body.errors[0].field).toBe("body.timeout_seconds");
  });
});
