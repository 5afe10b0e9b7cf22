// Two replicas on one PostgreSQL pass their schedulers at the same moments: each occurrence runs once.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { manualClock } from "./queue.support.ts";
import { createWorkflow } from "./workflows.runs.support.ts";

const clock = manualClock();
// `server` is replica A, `replica` is B; long-lived access tokens, so that moving the clock keeps the user signed in.
const it = serverTest({ settings: { accessTokenTtlSeconds: 7 * 24 * 3600 }, clock });

describe.skipIf(postgresStackMissing())("cron on two replicas", () => {
  it("fires every occurrence exactly once, whichever replica gets there first", async ({
    server: replicaA,
    replica: replicaB,
    api,
    user,
  }) => {
    const workflowId = await createWorkflow(api, user, {
      workflow_type: "sequential",
      schedule: { cron: "* * * * *", timezone: "UTC" },
      definition: { nodes: [{ id: "tick", type: "task", tool: "claude_code", prompt: "tick" }] },
    });
    const occurrences = 5;
    let started = 0;
    for (let i = 0; i < occurrences; i++) {
      const now = clock.advance(60);
      const passes = await Promise.all([
        replicaA.scheduler.runOnce(now),
        replicaB.scheduler.runOnce(now),
        replicaA.scheduler.runOnce(now),
        replicaB.scheduler.runOnce(now),
      ]);
      started += passes.reduce((sum, count) => sum + count, 0);
    }
    const runs = (await api.get(`/api/v1/workflows/${workflowId}/runs?limit=100`, { token: user.access_token })).body
      .items;
    expect(runs).toHaveLength(occurrences);
    expect(started).toBe(occurrences);
    expect(new Set(runs.map((run: any) => run.created_at)).size).toBe(occurrences);
    const tasks = (await api.get(`/api/v1/tasks?workflow_id=${workflowId}&limit=100`, { token: user.access_token }))
      .body.items;
    expect(tasks).toHaveLength(occurrences);
  });
});
