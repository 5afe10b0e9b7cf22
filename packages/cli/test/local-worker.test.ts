// `garageswarm up`'s in-process worker: a key for the first admin kept in the data dir and reused, and a
// worker that runs tasks like any other.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { type FakeServer, startFakeOllama } from "../../worker/test/fakes/index.ts";
import { startLocalWorker } from "../src/local-worker.ts";

const adminPassword = "local-worker-test-pw";

describe.skipIf(postgresStackMissing())("the local worker of garageswarm up", () => {
  let server: TestServer;
  let ollama: FakeServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "gs-up-"));
    ollama = await startFakeOllama();
    server = await startTestServer({ dataDir, adminPassword, heartbeatIntervalSeconds: 1 });
  });
  afterAll(async () => {
    await server?.close();
    await ollama?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  // Starts a server-side key, a worker and a task on a loaded 2-core machine: give it room.
  it("runs tasks with a key of the first admin, kept in the data dir and reused on the next start", {
    timeout: 90_000,
  }, async () => {
    const api = apiClient(server.url);
    const env = { PATH: process.env.PATH, OLLAMA_HOST: ollama.url };
    const first = await startLocalWorker(server, { env });
    const keyFile = join(dataDir, "local-worker.key");
    const key = (await readFile(keyFile, "utf8")).trim();
    expect(key).toMatch(/^gs_/);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

    const admin = (await api.post("/api/v1/auth/login", { username: "admin", password: adminPassword })).body;
    const token = admin.access_token as string;
    const created = await api.post("/api/v1/tasks", { description: "hello local", tool: "ollama" }, { token });
    let task: any;
    for (;;) {
      task = (await api.get(`/api/v1/tasks/${created.body.task_id}`, { token })).body;
      if (task.status === "completed" || task.status === "failed") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(task).toMatchObject({ status: "completed", worker_id: first.worker_id });
    expect(task.result.output).toBe("Fake ollama answer to: hello local");
    await first.stop();

    const second = await startLocalWorker(server, { env });
    try {
      expect(second.worker_id).toBe(first.worker_id);
      expect((await readFile(keyFile, "utf8")).trim()).toBe(key);
      const keys = (await api.get("/api/v1/keys", { token })).body.items;
      expect(keys.filter((item: any) => item.name === "local worker")).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});
