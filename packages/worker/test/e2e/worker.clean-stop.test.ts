// A real worker process stopped with Ctrl-C (SIGINT) is offline on the server as soon as it has exited,
// not after three missed heartbeats: it closes its WebSocket saying it is going away (1001).
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker, waitFor } from "./support.ts";

describe.skipIf(postgresStackMissing())("a worker process that stops cleanly", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    // Heartbeats a minute apart: the reaper cannot be what marks the worker offline during this test.
    server = await startTestServer({ heartbeatIntervalSeconds: 60 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "e2e worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(() => server?.close());

  it("is offline once it has exited after Ctrl-C", async () => {
    const worker = await spawnWorker({ server: server.url, key });
    const workerId = await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    const statusOf = async () =>
      (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body.status as string;
    expect(await statusOf()).toBe("online");

    worker.kill("SIGINT");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    // The server handles the close as the socket ends; a few polls, far inside the 3-minute heartbeat timeout.
    await waitFor(async () => ((await statusOf()) === "offline" ? true : null), {
      timeoutMs: 10_000,
      what: "the worker to be offline",
    });
  });
});
