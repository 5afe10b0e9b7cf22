// The WebSocket protocol as a worker and a dashboard speak it, against the real server.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { connectPeer, toWebSocketUrl, connectWorker as welcomedWorker } from "../../../test/support/ws.ts";

type Tool = { name: string; version: string; models: string[]; healthy: boolean };
const claude: Tool = { name: "claude_code", version: "1.0.0", models: [], healthy: true };

describe.skipIf(postgresStackMissing())("realtime sockets", () => {
  let server: TestServer;
  let api: ApiClient;
  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
  });
  afterAll(() => server?.close());

  async function registerWorker(key: string, tools: Tool[] = [claude], slots = 1) {
    const machine_id = randomUUID();
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id, machine_name: "box", platform: "linux", tools, slots },
      { token: key },
    );
    expect(registered.status).toBe(201);
    return { worker_id: registered.body.worker_id as string, machine_id };
  }

  async function connectWorker(
    key: string,
    worker: { worker_id: string; machine_id: string },
    tools: Tool[] = [claude],
  ) {
    return welcomedWorker(server.url, key, { worker_id: worker.worker_id, machine_id: worker.machine_id, tools });
  }

  it("pushes a new task to the connected worker with a score, and follows it to completion", async () => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(key);
    const peer = await connectWorker(key, worker);
    const dashboard = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    try {
      const welcome = peer.received.find((message) => message.type === "welcome");
      expect(welcome.data).toMatchObject({ worker_id: worker.worker_id, heartbeat_interval_seconds: 10 });

      const created = await api.post(
        "/api/v1/tasks",
        { description: "say hi", tool: "claude_code" },
        { token: user.access_token },
      );
      const assign = await peer.next((message) => message.type === "task.assign");
      expect(assign.data).toMatchObject({
        task_id: created.body.task_id,
        attempt: 1,
        tool: "claude_code",
        prompt: "say hi",
      });
      const token = assign.data.attempt_token;

      const acceptId = peer.send("task.accept", { task_id: assign.data.task_id, attempt_token: token });
      expect((await peer.next((message) => message.type === "ack" && message.id === acceptId)).data).toEqual({
        ok: true,
      });

      peer.send("task.output", {
        task_id: assign.data.task_id,
        attempt_token: token,
        seq: 0,
        stream: "stdout",
        chunk: "Hel",
      });
      peer.send("task.output", {
        task_id: assign.data.task_id,
        attempt_token: token,
        seq: 1,
        stream: "stdout",
        chunk: "lo",
      });
      // A dashboard subscribing late gets the backlog, then the live tail, each chunk once.
      await waitFor(
        async () =>
          (await api.get(`/api/v1/tasks/${assign.data.task_id}`, { token: user.access_token })).body.status ===
          "running",
      );
      dashboard.send("subscribe", { task_id: assign.data.task_id });
      await dashboard.next((message) => message.type === "task.output" && message.data.seq === 1);
      peer.send("task.output", {
        task_id: assign.data.task_id,
        attempt_token: token,
        seq: 2,
        stream: "stdout",
        chunk: "!",
      });
      await dashboard.next((message) => message.type === "task.output" && message.data.seq === 2);
      const chunks = dashboard.received
        .filter((message) => message.type === "task.output")
        .map((message) => message.data.chunk);
      expect(chunks).toEqual(["Hel", "lo", "!"]);

      const completeId = peer.send("task.complete", {
        task_id: assign.data.task_id,
        attempt_token: token,
        result: { output: "Hello!", usage: { input_tokens: 3, output_tokens: 2, cost_usd: 0.001 } },
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === completeId)).data).toEqual({
        ok: true,
      });
      await dashboard.next((message) => message.type === "task.updated" && message.data.status === "completed");

      const task = await api.get(`/api/v1/tasks/${assign.data.task_id}`, { token: user.access_token });
      expect(task.body).toMatchObject({ status: "completed", worker_id: worker.worker_id, attempt: 1 });
      expect(task.body.result.output).toBe("Hello!");
      expect(task.body.score).toMatchObject({ worker_id: worker.worker_id, match: 1 });

      // A second report with the same token is fenced off.
      const again = peer.send("task.complete", {
        task_id: assign.data.task_id,
        attempt_token: token,
        result: { output: "x" },
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === again)).data).toEqual({
        ok: false,
        error: "stale",
      });
    } finally {
      await peer.close();
      await dashboard.close();
    }
  });

  it("forwards a cancel to the worker holding the task", async () => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(key);
    const peer = await connectWorker(key, worker);
    try {
      const created = await api.post(
        "/api/v1/tasks",
        { description: "long job", tool: "claude_code" },
        { token: user.access_token },
      );
      const assign = await peer.next((message) => message.type === "task.assign");
      peer.send("task.accept", { task_id: assign.data.task_id, attempt_token: assign.data.attempt_token });
      await waitFor(
        async () =>
          (await api.get(`/api/v1/tasks/${created.body.task_id}`, { token: user.access_token })).body.status ===
          "running",
      );
      expect(
        (await api.post(`/api/v1/tasks/${created.body.task_id}/cancel`, {}, { token: user.access_token })).status,
      ).toBe(200);
      const cancel = await peer.next((message) => message.type === "task.cancel");
      expect(cancel.data.task_id).toBe(created.body.task_id);
    } finally {
      await peer.close();
    }
  });

  it("never pushes a task to a worker without its tool", async () => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const ollamaOnly = [{ name: "ollama", version: "0.5", models: ["llama3"], healthy: true }];
    const worker = await registerWorker(key, ollamaOnly);
    const peer = await connectWorker(key, worker, ollamaOnly);
    try {
      const skipped = await api.post(
        "/api/v1/tasks",
        { description: "needs claude", tool: "claude_code" },
        { token: user.access_token },
      );
      const wanted = await api.post(
        "/api/v1/tasks",
        { description: "needs ollama", tool: "ollama", model: "llama3" },
        { token: user.access_token },
      );
      const assign = await peer.next((message) => message.type === "task.assign");
      expect(assign.data.task_id).toBe(wanted.body.task_id);
      await server.resources.bus.publish("noop", {});
      expect(
        peer.received.filter((message) => message.type === "task.assign").map((message) => message.data.task_id),
      ).not.toContain(skipped.body.task_id);
      expect((await api.get(`/api/v1/tasks/${skipped.body.task_id}`, { token: user.access_token })).body.status).toBe(
        "queued",
      );
    } finally {
      await peer.close();
    }
  });

  it("refuses sockets without credentials, with another user's key, or for another user's feed", async () => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const ownerKey = await createApiKey(api, owner);
    const strangerKey = await createApiKey(api, stranger);
    const worker = await registerWorker(ownerKey);
    await expect(connectPeer(toWebSocketUrl(server.url, `/ws/worker/${worker.worker_id}`))).rejects.toMatchObject({
      status: 401,
    });
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/worker/${worker.worker_id}`), {
        authorization: `Bearer ${strangerKey}`,
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${owner.user_id}`), {
        authorization: `Bearer ${stranger.access_token}`,
      }),
    ).rejects.toMatchObject({ status: 404 });
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${owner.user_id}`), { authorization: `Bearer garbage` }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it("answers malformed worker messages with an error ack and keeps the connection", async () => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(key);
    const peer = await connectWorker(key, worker);
    try {
      peer.socket.send("{not json");
      await peer.next((message) => message.type === "ack" && message.data.error === "invalid JSON");
      const id = peer.send("task.complete", { task_id: "nope", attempt_token: 5 });
      const ack = await peer.next((message) => message.type === "ack" && message.id === id);
      expect(ack.data.ok).toBe(false);
      expect(ack.data.error).toMatch(/invalid message: data\./);
      const beat = peer.send("heartbeat", {
        cpu_percent: 5,
        memory_percent: 10,
        disk_percent: 20,
        running_task_ids: [],
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === beat)).data).toEqual({ ok: true });
    } finally {
      await peer.close();
    }
  });

  it("shows a dashboard only its own user's events", async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const aliceFeed = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${alice.user_id}`), {
      authorization: `Bearer ${alice.access_token}`,
    });
    const bobFeed = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${bob.user_id}`), {
      authorization: `Bearer ${bob.access_token}`,
    });
    try {
      const aliceTask = await api.post(
        "/api/v1/tasks",
        { description: "alice's", tool: "ollama" },
        { token: alice.access_token },
      );
      const bobTask = await api.post(
        "/api/v1/tasks",
        { description: "bob's", tool: "ollama" },
        { token: bob.access_token },
      );
      await aliceFeed.next(
        (message) => message.type === "task.updated" && message.data.task_id === aliceTask.body.task_id,
      );
      await bobFeed.next((message) => message.type === "task.updated" && message.data.task_id === bobTask.body.task_id);
      const seenByBob = bobFeed.received
        .filter((message) => message.type === "task.updated")
        .map((message) => message.data.task_id);
      expect(seenByBob).not.toContain(aliceTask.body.task_id);
      bobFeed.send("subscribe", { task_id: aliceTask.body.task_id });
      const refused = await bobFeed.next((message) => message.type === "error");
      expect(refused.data.message).toMatch(/not found/);
    } finally {
      await aliceFeed.close();
      await bobFeed.close();
    }
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
