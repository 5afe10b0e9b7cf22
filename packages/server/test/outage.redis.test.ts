// A Redis outage must not make live workers look dead: the bus carries hints, so while Redis is stopped or
// gone a task create and a heartbeat answer without it, the lost hints are counted, the server logs the
// outage once (never ioredis' raw "Unhandled error event"), and hints flow again once Redis is back.
// The Redis here is the test's own redis-server; the shared one on 6379 is never touched.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { type PrivateRedis, redisServerBinary, startPrivateRedis } from "./outage.support.ts";

const binary = redisServerBinary();
const shell = { name: "shell", version: "1.0.0", models: [], healthy: true };

describe.skipIf(postgresStackMissing() || binary === null)("a Redis outage", () => {
  let redis: PrivateRedis;
  let server: TestServer;
  let api: ApiClient;
  let owner: TestUser;
  let key: string;
  let worker: { worker_id: string; machine_id: string };
  let peer: Peer;
  const logged: Array<{ level: number; msg: string; redis?: string }> = [];
  const rawIoredisErrors: unknown[][] = [];
  const consoleError = console.error;

  beforeAll(async () => {
    // ioredis prints its unhandled error events with console.error: any such line is a client without a listener.
    console.error = (...args: unknown[]) => {
      if (String(args[0]).includes("[ioredis]")) rawIoredisErrors.push(args);
      else consoleError(...args);
    };
    redis = await startPrivateRedis(binary as string);
    const log = pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const redisPrefix = `gs-outage-${randomUUID().slice(0, 8)}:`;
    server = await startTestServer(
      { redisUrl: redis.url, redisPrefix, heartbeatIntervalSeconds: 5 },
      { log, redisPrefix },
    );
    api = apiClient(server.url);
    owner = await createUser(api);
    key = await createApiKey(api, owner);
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id: randomUUID(), machine_name: "box", platform: "linux", tools: [shell], slots: 1 },
      { token: key },
    );
    expect(registered.status).toBe(201);
    worker = { worker_id: registered.body.worker_id, machine_id: registered.body.machine_id };
    peer = await connectWorker(server.url, key, { ...worker, tools: [shell] });
  });

  afterAll(async () => {
    await peer?.close();
    await server?.close();
    await redis?.close();
    console.error = consoleError;
  });

  const createTask = () =>
    api.post("/api/v1/tasks", { description: "hello", tool: "shell" }, { token: owner.access_token });
  const socketHeartbeat = async () => {
    const id = peer.send("heartbeat", { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [] });
    return (await peer.next((message) => message.type === "ack" && message.id === id)).data;
  };
  const restHeartbeat = () =>
    api.post(`/api/v1/workers/${worker.worker_id}/heartbeat`, { running_task_ids: [] }, { token: key });
  const droppedHints = async () => {
    const metrics = await api.get("/metrics");
    const line = String(metrics.body)
      .split("\n")
      .find((entry) => entry.startsWith("garageswarm_bus_messages_dropped_total "));
    return Number(line?.split(" ")[1] ?? Number.NaN);
  };
  const outageWarnings = (role: string) =>
    logged.filter((line) => line.redis === role && line.msg.startsWith("redis unreachable"));

  it("answers task creates and heartbeats while Redis is stopped, then gone, and counts the dropped hints", async () => {
    expect(await droppedHints()).toBe(0);

    // A stopped Redis keeps its sockets open and never answers: the old publisher waited on it for ever.
    // Redis is resumed only by being killed below, so a create or heartbeat that waited on it never answers.
    redis.pause();
    expect((await createTask()).status).toBe(201);
    expect(await socketHeartbeat()).toEqual({ ok: true });
    expect((await restHeartbeat()).status).toBe(200);

    await redis.kill();
    expect((await createTask()).status).toBe(201);
    expect(await socketHeartbeat()).toEqual({ ok: true });
    expect((await restHeartbeat()).status).toBe(200);

    await expect.poll(droppedHints).toBeGreaterThan(0);
    await expect.poll(() => outageWarnings("bus publisher").length).toBe(1);
    await expect.poll(() => outageWarnings("bus subscriber").length).toBe(1);
    await expect.poll(() => outageWarnings("rate limits").length).toBe(1);

    // The login limiter cannot count without Redis: it answers 503 + Retry-After, neither 500 nor a free pass.
    const login = await api.post("/api/v1/auth/login", { username: owner.username, password: owner.password });
    expect(login.status).toBe(503);
    expect(login.headers.get("content-type")).toContain("application/problem+json");
    expect(Number(login.headers.get("retry-after"))).toBeGreaterThan(0);

    // Still one warning per client for the whole outage, however many reconnect attempts failed.
    expect(outageWarnings("bus publisher")).toHaveLength(1);
    expect(outageWarnings("bus subscriber")).toHaveLength(1);
  });

  it("sends and hears hints again once Redis is back, and never printed ioredis' unhandled error trace", async () => {
    await redis.start();
    await expect
      .poll(
        () =>
          logged
            .filter((line) => line.msg === "redis reachable again")
            .map((line) => line.redis)
            .sort(),
        {
          timeout: 20_000,
        },
      )
      .toEqual(["bus publisher", "bus subscriber", "rate limits"]);

    // The server's subscriber resubscribed: a task.cancel published by another replica reaches the worker.
    const outsider = new Redis(redis.url);
    const heard = new Redis(redis.url);
    try {
      const taskId = randomUUID();
      await expect
        .poll(
          async () => {
            await outsider.publish(
              `${server.redisPrefix}task.cancel`,
              JSON.stringify({ task_id: taskId, worker_id: worker.worker_id, reason: "from another replica" }),
            );
            return peer.received.some((message) => message.type === "task.cancel" && message.data.task_id === taskId);
          },
          { timeout: 20_000 },
        )
        .toBe(true);

      // And its publisher sends again: another replica hears the hint of a new task.
      const hints: string[] = [];
      heard.on("message", (_channel: string, raw: string) => hints.push(JSON.parse(raw).task_id));
      await heard.subscribe(`${server.redisPrefix}task.queued`);
      const created = await createTask();
      expect(created.status).toBe(201);
      await expect.poll(() => hints).toContain(created.body.task_id);
    } finally {
      outsider.disconnect();
      heard.disconnect();
    }

    const login = await api.post("/api/v1/auth/login", { username: owner.username, password: owner.password });
    expect(login.status).toBe(200);
    expect(rawIoredisErrors).toEqual([]);
  });
});
