// A result finished while the server is down is not lost: the worker keeps it in its outbox, retries,
// and delivers it once the server is back.
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../../test/support/http.ts";
import {
  createTestDatabase,
  postgresStackMissing,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker, tempDir, waitFor } from "./support.ts";

describe.skipIf(postgresStackMissing())("a server outage while a task runs", () => {
  const servers: TestServer[] = [];
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await cleanUpWorkers();
    for (const server of servers) await server.close();
    await database?.close();
  });

  it("the finished task's result is delivered once the server is back", async () => {
    database = await createTestDatabase();
    // Leases of 30 s outlast the outage, so the attempt is still current when the server returns.
    const first = await startTestServer({ heartbeatIntervalSeconds: 10 }, { database });
    servers.push(first);
    const port = Number(new URL(first.url).port);
    const api = apiClient(first.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);

    const go = join(await tempDir(), "go");
    const worker = await spawnWorker({ server: first.url, key, args: ["--enable-shell"] });
    await worker.waitForLog(/connected over WebSocket/);
    const created = await api.post(
      "/api/v1/tasks",
      {
        description: "outlive the server",
        tool: "shell",
        prompt: `while [ ! -f '${go}' ]; do sleep 0.1; done; echo done`,
      },
      { token: user.access_token },
    );
    const taskId = created.body.task_id as string;
    await waitFor(async () => {
      const task = await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token });
      return task.body.status === "running";
    });

    await first.close();
    await writeFile(go, "");
    await worker.waitForLog(new RegExp(`task ${taskId}: complete not delivered`));

    const second = await startTestServer({ heartbeatIntervalSeconds: 10, port }, { database });
    servers.push(second);
    const task = await waitFor(
      async () => {
        const found = await apiClient(second.url).get(`/api/v1/tasks/${taskId}`, { token: user.access_token });
        return found.body.status === "completed" ? found.body : null;
      },
      { what: "the result to arrive after the restart", timeoutMs: 60_000 },
    );
    expect(task).toMatchObject({ attempt: 1, result: { output: "done\n" } });
    await waitFor(async () => (await readdir(join(worker.stateDir, "outbox"))).length === 0);
  }, 90_000);
});
