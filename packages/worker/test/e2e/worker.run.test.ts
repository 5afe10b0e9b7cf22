// Real `garageswarm worker` processes against a real server: what they detect, and tasks they run over
// the WebSocket (push) and over HTTP long-poll (pull).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { connectPeer, toWebSocketUrl } from "../../../../test/support/ws.ts";
import { type FakeServer, startFakeOllama } from "../fakes/index.ts";
import { cleanUpWorkers, spawnWorker, taskEnded, waitFor } from "./support.ts";

describe.skipIf(postgresStackMissing())("worker processes run tasks", () => {
  let server: TestServer;
  let api: ApiClient;
  let ollama: FakeServer;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    ollama = await startFakeOllama();
    user = await createUser(api);
    key = await createApiKey(api, user, "e2e worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(async () => {
    await ollama?.close();
    await server?.close();
  });

  const createTask = async (body: Record<string, unknown>) => {
    const created = await api.post("/api/v1/tasks", body, { token: user.access_token });
    expect(created.status).toBe(201);
    return created.body.task_id as string;
  };
  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token })).body;
  const finished = (taskId: string) => taskEnded(api, user.access_token, taskId);

  it("advertises the tools it detects: fake claude, gemini, codex on PATH and a fake Ollama server", async () => {
    const worker = await spawnWorker({ server: server.url, key, env: { OLLAMA_HOST: ollama.url } });
    const workerId = await worker.workerId();
    const seen = await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token });
    expect(seen.status).toBe(200);
    const tools = Object.fromEntries(seen.body.tools.map((tool: any) => [tool.name, tool]));
    expect(Object.keys(tools).sort()).toEqual(["claude_code", "codex_cli", "gemini_cli", "ollama"]);
    expect(tools.claude_code).toMatchObject({ version: "2.0.14", healthy: true });
    expect(tools.gemini_cli).toMatchObject({ healthy: true });
    expect(tools.codex_cli).toMatchObject({ healthy: true });
    expect(tools.ollama).toMatchObject({ version: "0.12.3", models: ["llama3.2:latest", "qwen2.5-coder:7b"] });
    expect(seen.body).toMatchObject({
      status: "online",
      slots: 1,
      platform: expect.stringContaining(process.platform),
    });
  });

  it("runs a pushed task, streams its output to a client WebSocket, and reports output and usage", async () => {
    const worker = await spawnWorker({ server: server.url, key });
    const workerId = await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    const dashboard = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    try {
      const taskId = await createTask({ description: "write a haiku", tool: "claude_code" });
      dashboard.send("subscribe", { task_id: taskId });
      const task = await finished(taskId);
      expect(task).toMatchObject({ status: "completed", worker_id: workerId, attempt: 1 });
      expect(task.result.output).toBe("Fake claude answer to: write a haiku");
      expect(task.result.usage).toMatchObject({ output_tokens: 42, cost_usd: 0.0123 });
      expect(task.result.usage.input_tokens).toBeGreaterThan(0);
      // The live chunks reached the dashboard (from the backlog or the live tail).
      await dashboard.next(
        (message) =>
          message.type === "task.output" &&
          message.data.task_id === taskId &&
          message.data.chunk.includes("Fake claude"),
      );
      expect(task.score).toMatchObject({ worker_id: workerId });
    } finally {
      await dashboard.close();
    }
  });

  it("a pull-only worker (--pull) never opens a WebSocket, still gets work, and streams its output over REST", async () => {
    const worker = await spawnWorker({ server: server.url, key, args: ["--pull"], env: { OLLAMA_HOST: ollama.url } });
    const workerId = await worker.workerId();
    const dashboard = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    try {
      const taskId = await createTask({ description: "hello over http", tool: "ollama", model: "llama3.2:latest" });
      dashboard.send("subscribe", { task_id: taskId });
      const task = await finished(taskId);
      expect(task).toMatchObject({ status: "completed", worker_id: workerId });
      expect(task.result.output).toBe("Fake ollama answer to: hello over http");
      expect(task.result.usage).toMatchObject({ input_tokens: 26 });
      expect(worker.log()).not.toMatch(/connected over WebSocket/);
      // The output went out before the result, so the dashboard has it (backlog or live tail).
      await dashboard.next(
        (message) => message.type === "task.output" && message.data.task_id === taskId && message.data.chunk.length > 0,
      );
      const streamed = dashboard.received
        .filter((message) => message.type === "task.output" && message.data.task_id === taskId)
        .map((message) => message.data.chunk)
        .join("");
      expect(streamed).toContain("Fake ollama answer");
    } finally {
      await dashboard.close();
    }
  });

  it("a worker without the required tool never receives the task; one with it does", async () => {
    const without = await spawnWorker({ server: server.url, key, args: ["--name", "no-ollama"] });
    const withoutId = await without.workerId();
    await without.waitForLog(/connected over WebSocket/);
    const taskId = await createTask({ description: "needs ollama", tool: "ollama" });
    // The worker without Ollama is online and idle, with heartbeats going; the task waits for another.
    await waitFor(async () => {
      const seen = (await api.get(`/api/v1/workers/${withoutId}`, { token: user.access_token })).body;
      return seen.last_heartbeat_at && Date.parse(seen.last_heartbeat_at) > Date.parse(seen.created_at);
    });
    expect((await taskOf(taskId)).status).toBe("queued");

    const withOllama = await spawnWorker({ server: server.url, key, env: { OLLAMA_HOST: ollama.url } });
    const withId = await withOllama.workerId();
    const task = await finished(taskId);
    expect(task).toMatchObject({ status: "completed", worker_id: withId, attempt: 1 });
    expect(without.log()).not.toContain(taskId);
  });
});
