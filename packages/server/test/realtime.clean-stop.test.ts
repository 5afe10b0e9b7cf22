// A worker that stops cleanly is offline at once (issue 13 §6): its socket closes with 1001 "going away",
// and the server marks it offline and tells the dashboards, rather than waiting out three heartbeats. A
// plain close (1000: the worker reconnects or pauses) leaves it online until its heartbeats say otherwise.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { connectPeer, connectWorker, type Peer, toWebSocketUrl } from "../../../test/support/ws.ts";

const shell = { name: "shell", version: "1.0.0", models: [], healthy: true };

describe.skipIf(postgresStackMissing())("a worker's clean stop", () => {
  let server: TestServer;
  let api: ApiClient;
  const peers: Peer[] = [];
  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
  });
  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
    await server?.close();
  });

  async function connectedWorkers(count: number) {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const feed = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    peers.push(feed);
    const workers = [];
    for (let n = 0; n < count; n++) {
      const machine_id = randomUUID();
      const registered = await api.post(
        "/api/v1/workers/register",
        { machine_id, machine_name: `laptop-${n}`, platform: "linux", tools: [shell], slots: 1 },
        { token: key },
      );
      expect(registered.status).toBe(201);
      const worker_id = registered.body.worker_id as string;
      const socket = await connectWorker(server.url, key, { worker_id, machine_id, tools: [shell] });
      const status = async () =>
        (await api.get(`/api/v1/workers/${worker_id}`, { token: user.access_token })).body.status as string;
      expect(await status()).toBe("online");
      workers.push({ worker_id, socket, status });
    }
    return { feed, workers };
  }

  const wentOffline = (workerId: string) => (message: any) =>
    message.type === "worker.updated" && message.data.worker_id === workerId && message.data.status === "offline";

  it("goes offline at once when its socket closes with 1001, and the dashboards hear of it", async () => {
    const { feed, workers } = await connectedWorkers(1);
    const [worker] = workers;
    if (!worker) throw new Error("no worker");
    worker.socket.socket.close(1001, "worker stopped");
    await feed.next(wentOffline(worker.worker_id));
    expect(await worker.status()).toBe("offline");
  });

  it("stays online when the socket closes for a reconnect (1000)", async () => {
    const { feed, workers } = await connectedWorkers(2);
    const [reconnecting, stopping] = workers;
    if (!reconnecting || !stopping) throw new Error("no workers");
    await reconnecting.socket.close();
    // The other worker's clean stop, closed after, is the point by which the first close was handled too.
    stopping.socket.socket.close(1001, "worker stopped");
    await feed.next(wentOffline(stopping.worker_id));
    expect(feed.received.some(wentOffline(reconnecting.worker_id))).toBe(false);
    expect(await reconnecting.status()).toBe("online");
  });
});
