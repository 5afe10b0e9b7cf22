// The allocator's choice as workers see it: three connected workers, the push goes where the score says,
// and every assignment — pushed or pulled — carries its breakdown.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";

type Tool = { name: string; version: string; models: string[]; healthy: boolean };
const claude: Tool = { name: "claude_code", version: "1.0.0", models: [], healthy: true };
const ollama: Tool = { name: "ollama", version: "0.5.0", models: ["llama3"], healthy: true };

describe.skipIf(postgresStackMissing())("allocator choice", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;
  const peers: Peer[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user);
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
    await server?.close();
  });

  async function worker(name: string, tools: Tool[], slots: number, cpu: number) {
    const machine_id = randomUUID();
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id, machine_name: name, platform: "linux", tools, slots },
      { token: key },
    );
    const peer = await connectWorker(server.url, key, {
      worker_id: registered.body.worker_id,
      machine_id,
      tools,
      slots,
      resources: { cpu_percent: cpu, memory_percent: 20, disk_percent: 30 },
    });
    peers.push(peer);
    return { worker_id: registered.body.worker_id as string, peer };
  }

  it("pushes to the best-scoring worker and stores why", async () => {
    const busy = await worker("busy", [claude], 2, 10);
    const idle = await worker("idle", [claude], 2, 10);
    const other = await worker("other", [ollama], 2, 0);

    // Give `busy` one running task, pinned to it.
    const pinned = await api.post(
      "/api/v1/tasks",
      { description: "pinned", tool: "claude_code", worker_id: busy.worker_id },
      { token: user.access_token },
    );
    const first = await busy.peer.next(
      (message) => message.type === "task.assign" && message.data.task_id === pinned.body.task_id,
    );
    busy.peer.send("task.accept", { task_id: first.data.task_id, attempt_token: first.data.attempt_token });

    const task = await api.post(
      "/api/v1/tasks",
      { description: "who takes me", tool: "claude_code" },
      { token: user.access_token },
    );
    const assign = await idle.peer.next(
      (message) => message.type === "task.assign" && message.data.task_id === task.body.task_id,
    );
    expect(assign.data.tool).toBe("claude_code");

    const stored = await api.get(`/api/v1/tasks/${task.body.task_id}`, { token: user.access_token });
    expect(stored.body.worker_id).toBe(idle.worker_id);
    expect(stored.body.score).toMatchObject({
      worker_id: idle.worker_id,
      via: "allocator",
      rank: 1,
      balance: 1,
      match: 1,
    });
    // `other` lacks the tool: it is not even a candidate, and hears nothing.
    expect(stored.body.score.candidates).toBe(2);
    // What the task page explains the score with: the weights applied, the ranking, who was left out and why.
    const weights = { match: expect.any(Number), availability: expect.any(Number), balance: expect.any(Number) };
    expect(stored.body.score.weights).toMatchObject({ ...weights, affinity: expect.any(Number) });
    expect(stored.body.score.ranked[0]).toEqual({ worker_id: idle.worker_id, total: stored.body.score.total });
    const everyone = [...stored.body.score.ranked, ...stored.body.score.rejected].map((entry) => entry.worker_id);
    expect(everyone).toHaveLength(2);
    expect(everyone).toContain(busy.worker_id);
    expect(other.peer.received.some((message) => message.type === "task.assign")).toBe(false);
    expect(
      busy.peer.received.some(
        (message) => message.type === "task.assign" && message.data.task_id === task.body.task_id,
      ),
    ).toBe(false);
  });

  it("stores a breakdown for a pulled task too", async () => {
    const puller = await createUser(api);
    const pullerKey = await createApiKey(api, puller);
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id: randomUUID(), machine_name: "puller", platform: "linux", tools: [ollama], slots: 1 },
      { token: pullerKey },
    );
    const created = await api.post(
      "/api/v1/tasks",
      { description: "pull me", tool: "ollama", model: "llama3" },
      { token: puller.access_token },
    );
    const pulled = await api.get(`/api/v1/workers/${registered.body.worker_id}/pull-task?wait=0`, { token: pullerKey });
    expect(pulled.status).toBe(200);
    expect(pulled.body.task_id).toBe(created.body.task_id);
    const stored = await api.get(`/api/v1/tasks/${created.body.task_id}`, { token: puller.access_token });
    expect(stored.body.score).toMatchObject({
      worker_id: registered.body.worker_id,
      via: "pull",
      rank: 1,
      match: 1,
      rejected: [],
      ranked: [{ worker_id: registered.body.worker_id, total: stored.body.score.total }],
    });
    expect(stored.body.score.total).toBeGreaterThan(0);
  });
});
