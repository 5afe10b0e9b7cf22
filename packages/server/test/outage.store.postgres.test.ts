// A store outage longer than three heartbeats: while PostgreSQL cannot be reached the API answers 503 with
// Retry-After, and once it is back no lease of a live worker expires and no running workflow node fails;
// a lease whose holder never came back is re-queued without counting the attempt, so the node runs again.
// The server reaches the shared PostgreSQL through the test's own TCP proxy, which the test cuts and
// restores; nothing else is touched. PostgreSQL only: an in-process PGlite has no connection to lose (the
// 503 mapping of a closed PGlite is in src/db/unavailable.test.ts).
import { openStore, type Store } from "@garageswarm/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import {
  createTestDatabase,
  postgresStackMissing,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../test/support/server.ts";
import { connectWorker } from "../../../test/support/ws.ts";
import { type CuttableProxy, startProxy } from "./outage.support.ts";
import { manualClock, registerWorker } from "./queue.support.ts";
import {
  answer,
  createWorkflow,
  execute,
  getRun,
  nodeOf,
  type Owner,
  ownerWithWorker,
  pullOne,
} from "./workflows.runs.support.ts";

const heartbeatInterval = 10;
const clock = manualClock();

describe.skipIf(postgresStackMissing())("a store outage", () => {
  let database: TestDatabase;
  let proxy: CuttableProxy;
  let store: Store;
  let server: TestServer;
  let api: ApiClient;
  let owner: Owner;

  beforeAll(async () => {
    database = await createTestDatabase();
    const direct = new URL(database.databaseUrl as string);
    proxy = await startProxy(Number(direct.port || 5432), direct.hostname);
    const proxied = new URL(direct);
    proxied.hostname = "127.0.0.1";
    proxied.port = String(proxy.port);
    store = await openStore({ databaseUrl: proxied.toString() });
    server = await startTestServer(
      { heartbeatIntervalSeconds: heartbeatInterval, accessTokenTtlSeconds: 7 * 24 * 3600 },
      { clock, database: { store, databaseUrl: proxied.toString(), close: () => store.close() } },
    );
    api = apiClient(server.url);
    owner = await ownerWithWorker(api);
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await proxy?.close();
    await database?.close();
  });

  const heartbeat = (workerId: string, running: string[]) =>
    api.post(`/api/v1/workers/${workerId}/heartbeat`, { running_task_ids: running }, { token: owner.key });
  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.access_token })).body;

  async function startRun() {
    const workflowId = await createWorkflow(api, owner, {
      workflow_type: "sequential",
      definition: { nodes: [{ id: "only", type: "task", tool: "claude_code", prompt: "Say hello" }] },
    });
    const runId = await execute(api, owner, workflowId);
    await server.advancer.runOnce();
    return runId;
  }

  it("answers 503 with Retry-After while the store is unreachable, and /health/ready answers non-200", async () => {
    const box = await registerWorker(api, owner.key, { tools: ["shell"] });
    const peer = await connectWorker(server.url, owner.key, {
      worker_id: box.worker_id,
      machine_id: box.machine_id as string,
      tools: [{ name: "shell", version: "1.0.0", models: [], healthy: true }],
    });
    proxy.cut();
    try {
      const list = await api.get("/api/v1/tasks", { token: owner.access_token });
      expect(list.status).toBe(503);
      expect(list.headers.get("content-type")).toContain("application/problem+json");
      expect(list.headers.get("retry-after")).toBe("5");
      expect(list.body).toMatchObject({ status: 503, title: "Service Unavailable" });
      expect((await heartbeat(owner.workerId, [])).status).toBe(503);
      expect((await api.get("/health/ready")).status).toBe(503);
      // Over the socket a heartbeat is refused with a reason, not left unanswered.
      const beat = peer.send("heartbeat", { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [] });
      expect((await peer.next((message) => message.type === "ack" && message.id === beat)).data).toEqual({
        ok: false,
        error: "store unavailable: retry shortly",
      });
    } finally {
      await proxy.restore();
      await peer.close();
    }
    await expect.poll(async () => (await api.get("/health/ready")).status).toBe(200);
  });

  it("after an outage of more than three heartbeats, expires no live worker's lease and fails no running node", async () => {
    // Two runs, each with its node's task (max_attempts 1) running: one on a worker that lives through the
    // outage, one on a worker that never comes back.
    const liveRun = await startRun();
    const live = await pullOne(api, owner);
    expect(live).not.toBeNull();
    if (!live) return;
    await answer(api, owner, live, "hold");
    const lostRun = await startRun();
    const lostWorker = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    const lost = await pullOne(api, owner, lostWorker.worker_id);
    expect(lost).not.toBeNull();
    if (!lost) return;
    await answer(api, owner, lost, "hold");
    expect((await heartbeat(owner.workerId, [live.task_id])).status).toBe(200);
    expect((await heartbeat(lostWorker.worker_id, [lost.task_id])).status).toBe(200);
    expect(await server.reaper.runOnce(clock.now())).toMatchObject({ leasesExpired: 0, workersOffline: 0 });

    proxy.cut();
    for (let beat = 0; beat < 5; beat++) {
      clock.advance(heartbeatInterval);
      expect((await heartbeat(owner.workerId, [live.task_id])).status).toBe(503);
      await expect(server.reaper.runOnce(clock.now())).rejects.toThrow();
    }
    await proxy.restore();

    // The first pass that reaches the store again stretches the leases instead of expiring them all.
    clock.advance(1);
    await expect
      .poll(() => server.reaper.runOnce(clock.now()).catch(() => null))
      .toEqual({ leasesExpired: 0, workersOffline: 0, timedOut: 0 });
    expect(await taskOf(live.task_id)).toMatchObject({ status: "running", attempt: 1 });
    expect(await taskOf(lost.task_id)).toMatchObject({ status: "running", attempt: 1 });

    // The live worker heartbeats on; the lost one stays silent until the grace (the outage's length) is over.
    let expired = 0;
    for (let beat = 0; beat < 10; beat++) {
      clock.advance(heartbeatInterval);
      expect((await heartbeat(owner.workerId, [live.task_id])).status).toBe(200);
      expired += (await server.reaper.runOnce(clock.now())).leasesExpired;
    }
    expect(expired).toBe(1);
    expect(await taskOf(live.task_id)).toMatchObject({ status: "running", attempt: 1 });
    // The lost worker's lease ran out because nobody could report during the outage: back to the queue at
    // once, and the attempt does not count, so the node's task (max_attempts 1) runs again.
    const requeued = await taskOf(lost.task_id);
    expect(requeued).toMatchObject({ status: "queued", attempt: 1, max_attempts: 1, worker_id: null });
    expect(requeued.error).toMatch(/store outage/);

    await answer(api, owner, live, { output: "survived" });
    const again = await pullOne(api, owner);
    expect(again).toMatchObject({ task_id: lost.task_id, attempt: 2 });
    if (!again) return;
    await answer(api, owner, again, { output: "ran again" });
    await server.advancer.runOnce();
    for (const runId of [liveRun, lostRun]) {
      const run = await getRun(api, owner, runId);
      expect(run.status).toBe("completed");
      expect(nodeOf(run, "only").status).toBe("completed");
    }
  });
});
