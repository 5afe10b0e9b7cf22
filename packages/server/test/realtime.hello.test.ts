// What a worker's hello settles: a task pushed to it over a session that closed before it accepted is
// offered again at once, without counting the lost offer as an attempt, while a task it accepted keeps
// its lease so the result can still arrive. The clock is the test's: no lease runs out on its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { createTask, manualClock, registerWorker } from "./queue.support.ts";

describe.skipIf(postgresStackMissing())("a worker's hello settles its leases", () => {
  const clock = manualClock();
  let server: TestServer;
  let api: ApiClient;
  let owner: TestUser & { key: string };

  beforeAll(async () => {
    server = await startTestServer({}, { clock });
    api = apiClient(server.url);
    const user = await createUser(api);
    owner = { ...user, key: await createApiKey(api, user) };
  });
  afterAll(() => server?.close());

  // Each test's worker offers its own tool, so a task never goes to the other test's (idle, online) worker.
  const toolsOf = (machineId: string) => [
    {
      name: machineId === "machine-lost-offer" ? "codex_cli" : "gemini_cli",
      version: "1.0.0",
      models: [],
      healthy: true,
    },
  ];
  async function session(workerId: string, machineId: string, running: unknown[] = []): Promise<Peer> {
    return connectWorker(server.url, owner.key, {
      worker_id: workerId,
      machine_id: machineId,
      tools: toolsOf(machineId),
      running,
    });
  }
  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.access_token })).body;

  it("offers a task pushed to a session that closed before it was accepted again, at once, as the same attempt", async () => {
    const machineId = "machine-lost-offer";
    const worker = await registerWorker(api, owner.key, { tools: toolsOf(machineId), machine_id: machineId });
    const first = await session(worker.worker_id, machineId);
    const task = await createTask(api, owner.access_token, { tool: "codex_cli" });
    const offer = await first.next((message) => message.type === "task.assign");
    expect(offer.data).toMatchObject({ task_id: task.task_id, attempt: 1 });
    await first.close();

    const second = await session(worker.worker_id, machineId, []);
    try {
      const again = await second.next(
        (message) => message.type === "task.assign" && message.data.task_id === task.task_id,
      );
      expect(again.data.attempt).toBe(1);
      expect(again.data.attempt_token).not.toBe(offer.data.attempt_token);
      // The lost offer's token is fenced off; the new one runs the task.
      const stale = second.send("task.accept", { task_id: task.task_id, attempt_token: offer.data.attempt_token });
      expect((await second.next((message) => message.id === stale)).data.ok).toBe(false);
      const accepted = second.send("task.accept", { task_id: task.task_id, attempt_token: again.data.attempt_token });
      expect((await second.next((message) => message.id === accepted)).data).toEqual({ ok: true });
      expect(await taskOf(task.task_id)).toMatchObject({ status: "running", attempt: 1, worker_id: worker.worker_id });
    } finally {
      await second.close();
    }
  });

  it("keeps the lease of a task the worker accepted, so its result still lands after the reconnect", async () => {
    const machineId = "machine-accepted";
    const worker = await registerWorker(api, owner.key, { tools: toolsOf(machineId), machine_id: machineId });
    const first = await session(worker.worker_id, machineId);
    const task = await createTask(api, owner.access_token, { tool: "gemini_cli" });
    const offer = await first.next((message) => message.type === "task.assign");
    const fence = { task_id: task.task_id, attempt_token: offer.data.attempt_token };
    const accepted = first.send("task.accept", fence);
    expect((await first.next((message) => message.id === accepted)).data).toEqual({ ok: true });
    await first.close();

    // The worker restarted: its hello lists nothing, but the outbox still holds the result.
    const second = await session(worker.worker_id, machineId, []);
    try {
      expect((await server.reaper.runOnce(clock.now())).leasesExpired).toBe(0);
      const completed = second.send("task.complete", { ...fence, result: { output: "done" } });
      expect((await second.next((message) => message.id === completed)).data).toEqual({ ok: true });
      expect(await taskOf(task.task_id)).toMatchObject({ status: "completed", attempt: 1 });
    } finally {
      await second.close();
    }
  });
});
