// Heartbeats reach dashboards: a worker's resources (over WebSocket or REST) go live to the feeds of its
// owner and of the users who accepted a share of it, and to no one else (a pending offer shows nothing).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { connectPeer, type Peer, toWebSocketUrl } from "../../../test/support/ws.ts";
import { shareAccepted } from "./queue.support.ts";

const shell = { name: "shell", version: "1.0.0", models: [], healthy: true };

describe.skipIf(postgresStackMissing())("worker heartbeats on the client feed", () => {
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

  async function registerWorker(key: string, name: string) {
    const machine_id = randomUUID();
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id, machine_name: name, platform: "linux", tools: [shell], slots: 2 },
      { token: key },
    );
    expect(registered.status).toBe(201);
    return { worker_id: registered.body.worker_id as string, machine_id };
  }

  async function feedOf(user: TestUser): Promise<Peer> {
    const feed = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    peers.push(feed);
    return feed;
  }

  const heartbeatOf = (workerId: string, cpu: number) => (message: any) =>
    message.type === "worker.heartbeat" && message.data.worker_id === workerId && message.data.cpu_percent === cpu;

  it("sends each heartbeat to the worker's owner and accepted members, and not to other users", async () => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const carol = await createUser(api);
    const aliceKey = await createApiKey(api, alice);
    const bobKey = await createApiKey(api, bob);
    const aliceBox = await registerWorker(aliceKey, "alice-box");
    const bobBox = await registerWorker(bobKey, "bob-box");
    await shareAccepted(api, alice, aliceBox.worker_id, carol, "viewer");
    // Bob has an offer of Alice's worker he has not accepted: it shows him nothing of it.
    const offered = await api.post(
      `/api/v1/workers/${aliceBox.worker_id}/share`,
      { username: bob.username, role: "viewer" },
      { token: alice.access_token },
    );
    expect(offered.status).toBe(202);
    const [aliceFeed, bobFeed, carolFeed] = await Promise.all([feedOf(alice), feedOf(bob), feedOf(carol)]);

    // Alice's worker heartbeats over its WebSocket, as `garageswarm worker` does.
    const worker = await connectPeer(toWebSocketUrl(server.url, `/ws/worker/${aliceBox.worker_id}`), {
      authorization: `Bearer ${aliceKey}`,
    });
    peers.push(worker);
    worker.send("hello", { machine_id: aliceBox.machine_id, tools: [shell], slots: 2, running: [] });
    await worker.next((message) => message.type === "welcome");
    const beat = worker.send("heartbeat", {
      cpu_percent: 12,
      memory_percent: 34,
      disk_percent: 56,
      running_task_ids: [],
    });
    await worker.next((message) => message.type === "ack" && message.id === beat);

    const seen = await aliceFeed.next(heartbeatOf(aliceBox.worker_id, 12));
    expect(seen.data).toEqual({
      worker_id: aliceBox.worker_id,
      cpu_percent: 12,
      memory_percent: 34,
      disk_percent: 56,
      running_tasks: 0,
    });
    expect(seen.ts).toEqual(expect.any(String));
    await carolFeed.next(heartbeatOf(aliceBox.worker_id, 12));

    // Bob's worker heartbeats over REST (a pull-mode worker).
    const rest = await api.post(
      `/api/v1/workers/${bobBox.worker_id}/heartbeat`,
      { cpu_percent: 88, memory_percent: 10, disk_percent: 20, running_task_ids: [] },
      { token: bobKey },
    );
    expect(rest.status).toBe(200);
    await bobFeed.next(heartbeatOf(bobBox.worker_id, 88));

    // A later heartbeat of Alice's worker reaches Alice and Carol after Bob's would have: Bob's never came.
    const later = worker.send("heartbeat", {
      cpu_percent: 13,
      memory_percent: 34,
      disk_percent: 56,
      running_task_ids: [],
    });
    await worker.next((message) => message.type === "ack" && message.id === later);
    await aliceFeed.next(heartbeatOf(aliceBox.worker_id, 13));
    await carolFeed.next(heartbeatOf(aliceBox.worker_id, 13));
    const heartbeatsOf = (feed: Peer) =>
      feed.received.filter((message) => message.type === "worker.heartbeat").map((message) => message.data.worker_id);
    expect(new Set(heartbeatsOf(aliceFeed))).toEqual(new Set([aliceBox.worker_id]));
    expect(new Set(heartbeatsOf(carolFeed))).toEqual(new Set([aliceBox.worker_id]));
    expect(heartbeatsOf(bobFeed)).not.toContain(aliceBox.worker_id);
    expect(heartbeatsOf(bobFeed)).toContain(bobBox.worker_id);
  });

  it("tells the owner's dashboard when a worker that was offline says hello again", async () => {
    const dana = await createUser(api);
    const key = await createApiKey(api, dana);
    const box = await registerWorker(key, "dana-box");
    const feed = await feedOf(dana);
    const statusOf = (status: string) => (message: any) =>
      message.type === "worker.updated" && message.data.worker_id === box.worker_id && message.data.status === status;
    // Silent long enough: the reaper takes it offline (an hour on, past the start-up grace too).
    await server.reaper.runOnce(new Date(Date.now() + 3_600_000));
    await feed.next(statusOf("offline"));

    const worker = await connectPeer(toWebSocketUrl(server.url, `/ws/worker/${box.worker_id}`), {
      authorization: `Bearer ${key}`,
    });
    peers.push(worker);
    worker.send("hello", { machine_id: box.machine_id, tools: [shell], slots: 2, running: [] });
    await worker.next((message) => message.type === "welcome");
    await feed.next(statusOf("online"));
    const listed = await api.get(`/api/v1/workers/${box.worker_id}`, { token: dana.access_token });
    expect(listed.body.status).toBe("online");
  });
});
