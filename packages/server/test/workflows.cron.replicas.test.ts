// Two replicas on one PostgreSQL pass their schedulers at the same moments: each occurrence runs once.
import { randomUUID } from "node:crypto";
import { openStore } from "@garageswarm/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import {
  createTestDatabase,
  postgresStackMissing,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { manualClock } from "./queue.support.ts";
import { createWorkflow } from "./workflows.runs.support.ts";

describe.skipIf(postgresStackMissing())("cron on two replicas", () => {
  const clock = manualClock();
  let database: TestDatabase;
  let secondStore: Awaited<ReturnType<typeof openStore>>;
  let replicaA: TestServer;
  let replicaB: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    secondStore = await openStore({ databaseUrl: database.databaseUrl });
    const redisPrefix = `gs-cron-${randomUUID()}:`;
    const settings = { accessTokenTtlSeconds: 7 * 24 * 3600 };
    replicaA = await startTestServer(settings, { database, redisPrefix, clock });
    replicaB = await startTestServer(settings, {
      database: { store: secondStore, close: () => secondStore.close() },
      redisPrefix,
      clock,
    });
    api = apiClient(replicaA.url);
  });
  afterAll(async () => {
    await replicaA?.close();
    await replicaB?.close();
    await secondStore?.close();
    await database?.close();
  });

  it("fires every occurrence exactly once, whichever replica gets there first", async () => {
    const user = await createUser(api);
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
