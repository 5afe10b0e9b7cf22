// Scheduled runs on a clock moved by hand: one run per occurrence, nothing from before the schedule
// was set, and after downtime only the latest missed occurrence fires (docs/workflow-schedules.md).
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { manualClock } from "./queue.support.ts";
import { createWorkflow } from "./workflows.runs.support.ts";

const clock = manualClock();

// Long-lived access tokens, so that moving the clock keeps the user signed in.
const it = serverTest({ settings: { accessTokenTtlSeconds: 7 * 24 * 3600 }, clock }).extend(
  "runsOf",
  { scope: "file" },
  ({ api, user }) => {
    return async (workflowId: string) =>
      (await api.get(`/api/v1/workflows/${workflowId}/runs?limit=200`, { token: user.access_token })).body.items;
  },
);

describe.skipIf(postgresStackMissing())("cron schedules", () => {
  const minute = (date: Date) => new Date(Math.floor(date.getTime() / 60_000) * 60_000).toISOString();

  it("fires each occurrence once, and only the latest of those missed while down", async ({
    server,
    api,
    user,
    runsOf,
  }) => {
    const workflowId = await createWorkflow(api, user, {
      workflow_type: "sequential",
      schedule: { cron: "* * * * *", timezone: "UTC" },
      definition: { nodes: [{ id: "tick", type: "task", tool: "claude_code", prompt: "tick" }] },
    });
    // The occurrence before the workflow existed does not fire.
    await server.scheduler.runOnce(clock.now());
    expect(await runsOf(workflowId)).toEqual([]);

    const first = clock.advance(60);
    await server.scheduler.runOnce(first);
    await server.scheduler.runOnce(first);
    const once = await runsOf(workflowId);
    expect(once).toHaveLength(1);
    expect(once[0]).toMatchObject({ trigger: "schedule", status: "pending", started_at: null });
    expect(once[0].nodes[0]).toMatchObject({ node_id: "tick", status: "running" });

    // Five occurrences pass while no scheduler runs: only the latest fires.
    const later = clock.advance(5 * 60);
    await server.scheduler.runOnce(later);
    await server.scheduler.runOnce(later);
    const runs = await runsOf(workflowId);
    expect(runs).toHaveLength(2);
    expect(runs.map((run: any) => Date.parse(run.created_at))).toEqual([later.getTime(), first.getTime()]);
    expect(minute(later)).not.toBe(minute(first));
  });

  it("does not fire a disabled workflow, nor one whose schedule was removed", async ({ server, api, user, runsOf }) => {
    const schedule = { cron: "* * * * *", timezone: "UTC" };
    const nodes = [{ id: "tick", type: "task", tool: "claude_code", prompt: "tick" }];
    const disabled = await createWorkflow(api, user, { workflow_type: "sequential", schedule, definition: { nodes } });
    const unscheduled = await createWorkflow(api, user, {
      workflow_type: "sequential",
      schedule,
      definition: { nodes },
    });
    const token = { token: user.access_token };
    expect((await api.patch(`/api/v1/workflows/${disabled}`, { status: "disabled" }, token)).status).toBe(200);
    expect((await api.patch(`/api/v1/workflows/${unscheduled}`, { schedule: null }, token)).status).toBe(200);
    await server.scheduler.runOnce(clock.advance(120));
    expect(await runsOf(disabled)).toEqual([]);
    expect(await runsOf(unscheduled)).toEqual([]);
  });

  it("records a scheduled run that cannot start as failed, once per occurrence", async ({
    server,
    api,
    user,
    runsOf,
  }) => {
    const workflowId = await createWorkflow(api, user, {
      workflow_type: "concurrent",
      schedule: { cron: "* * * * *", timezone: "UTC" },
      definition: { nodes: [{ id: "everyone", type: "task", tool: "ollama", prompt: "hi", replicas: "all" }] },
    });
    const at = clock.advance(60);
    await server.scheduler.runOnce(at);
    await server.scheduler.runOnce(at);
    const runs = await runsOf(workflowId);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: "failed", trigger: "schedule", nodes: [] });
    expect(runs[0].error).toContain("no worker is eligible");
  });
});
