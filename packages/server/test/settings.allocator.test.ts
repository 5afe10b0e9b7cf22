// The allocator's weights and thresholds as settings: everyone reads them, only admins change them, bad
// values are refused by field, and a change moves the next push to another worker.
import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { type Peer, connectWorker as welcomedWorker } from "../../../test/support/ws.ts";
import { auditLog } from "../src/db/schema.ts";

const ADMIN_PASSWORD = "admin-password-for-tests";
const claude = { name: "claude_code", version: "1.0.0", models: [], healthy: true };
const defaults = {
  weights: { match: 0.4, availability: 0.3, balance: 0.2, affinity: 0.1 },
  thresholds: { cpu_percent: 95, memory_percent: 95, disk_percent: 98 },
};

describe.skipIf(postgresStackMissing())("allocator settings", () => {
  let server: TestServer;
  let api: ApiClient;
  let adminToken: string;
  let user: TestUser;
  const peers: Peer[] = [];

  beforeAll(async () => {
    server = await startTestServer({ adminPassword: ADMIN_PASSWORD });
    api = apiClient(server.url);
    const login = await api.post("/api/v1/auth/login", { username: "admin", password: ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    adminToken = login.body.access_token;
    user = await createUser(api);
  });

  afterAll(async () => {
    await Promise.all(peers.map((peer) => peer.close()));
    await server?.close();
  });

  async function putSettings(body: unknown, token = adminToken) {
    return api.put("/api/v1/settings/allocator", body, { token });
  }

  it("reads the defaults before anyone changed them, for any signed-in user", async () => {
    const read = await api.get("/api/v1/settings/allocator", { token: user.access_token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...defaults, updated_at: null });
    expect((await api.get("/api/v1/settings/allocator")).status).toBe(401);
  });

  it("refuses a change from a user who is not an admin", async () => {
    const refused = await putSettings(defaults, user.access_token);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const read = await api.get("/api/v1/settings/allocator", { token: user.access_token });
    expect(read.body.updated_at).toBeNull();
  });

  it.each([
    ["a weight above 1", { ...defaults, weights: { ...defaults.weights, match: 2 } }, "body.weights.match"],
    ["a negative weight", { ...defaults, weights: { ...defaults.weights, balance: -0.1 } }, "body.weights.balance"],
    [
      "every weight zero",
      { ...defaults, weights: { match: 0, availability: 0, balance: 0, affinity: 0 } },
      "body.weights",
    ],
    [
      "a threshold of 0",
      { ...defaults, thresholds: { ...defaults.thresholds, cpu_percent: 0 } },
      "body.thresholds.cpu_percent",
    ],
    [
      "a threshold above 100",
      { ...defaults, thresholds: { ...defaults.thresholds, disk_percent: 101 } },
      "body.thresholds.disk_percent",
    ],
    ["a missing weight", { ...defaults, weights: { match: 1, availability: 0, balance: 0 } }, "body.weights.affinity"],
    ["a weight as text", { ...defaults, weights: { ...defaults.weights, match: "high" } }, "body.weights.match"],
    ["no thresholds", { weights: defaults.weights }, "body.thresholds"],
  ])("refuses %s with a 400 naming the field", async (_name, body, field) => {
    const refused = await putSettings(body);
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toContain(field);
  });

  it("lets an admin change them, records who did, and serves the change", async () => {
    const changed = {
      weights: { match: 0.5, availability: 0.25, balance: 0.25, affinity: 0 },
      thresholds: { cpu_percent: 90, memory_percent: 85, disk_percent: 99 },
    };
    const put = await putSettings(changed);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject(changed);
    expect(put.body.updated_at).toEqual(expect.any(String));
    const read = await api.get("/api/v1/settings/allocator", { token: user.access_token });
    expect(read.body).toEqual(put.body);
    const audit = await server.resources.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "settings.allocator"), eq(auditLog.object_id, "allocator")));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.detail).toMatchObject(changed);
  });

  /** A connected fake worker of a fresh user's fleet, reporting `cpu` percent busy. */
  async function connectWorker(key: string, name: string, cpu: number) {
    const machine_id = randomUUID();
    const registered = await api.post(
      "/api/v1/workers/register",
      { machine_id, machine_name: name, platform: "linux", tools: [claude], slots: 4 },
      { token: key },
    );
    const resources = { cpu_percent: cpu, memory_percent: 20, disk_percent: 30 };
    const peer = await welcomedWorker(server.url, key, {
      worker_id: registered.body.worker_id,
      machine_id,
      tools: [claude],
      slots: 4,
      resources,
    });
    peers.push(peer);
    return { worker_id: registered.body.worker_id as string, peer };
  }

  /** Creates a task preferring `preferredId` and answers which of `workers` it was pushed to. */
  async function pushedTo(owner: TestUser, preferredId: string, workers: { worker_id: string; peer: Peer }[]) {
    const task = await api.post(
      "/api/v1/tasks",
      { description: "where do I go", tool: "claude_code", options: { prefer_worker_id: preferredId } },
      { token: owner.access_token },
    );
    expect(task.status).toBe(201);
    const isMine = (message: any) => message.type === "task.assign" && message.data.task_id === task.body.task_id;
    const assigned = await Promise.race(workers.map(({ worker_id, peer }) => peer.next(isMine).then(() => worker_id)));
    const stored = await api.get(`/api/v1/tasks/${task.body.task_id}`, { token: owner.access_token });
    expect(stored.body.score).toMatchObject({ worker_id: assigned, via: "allocator" });
    return { assigned, score: stored.body.score };
  }

  it("pushes by the weights in force: all on affinity sends a task to its preferred worker", async () => {
    // The same fresh fleet for each weighting (a push changes the loads, so a fleet is used once):
    // `preferred` is busier, so it loses on availability; affinity alone can make it win.
    async function choiceUnder(weights: typeof defaults.weights) {
      expect((await putSettings({ ...defaults, weights })).status).toBe(200);
      const owner = await createUser(api);
      const key = await createApiKey(api, owner);
      const preferred = await connectWorker(key, "preferred", 80);
      const idle = await connectWorker(key, "idle", 0);
      const { assigned } = await pushedTo(owner, preferred.worker_id, [preferred, idle]);
      return assigned === preferred.worker_id ? "preferred" : "idle";
    }
    expect(await choiceUnder(defaults.weights)).toBe("idle");
    expect(await choiceUnder({ match: 0, availability: 0, balance: 0, affinity: 1 })).toBe("preferred");
  });

  it("keeps a worker above a changed threshold out of the push", async () => {
    const owner = await createUser(api);
    const key = await createApiKey(api, owner);
    const hot = await connectWorker(key, "hot", 60);
    const cool = await connectWorker(key, "cool", 10);
    // All on affinity toward `hot`: only the cpu threshold can keep the task away from it.
    const strict = {
      weights: { match: 0, availability: 0, balance: 0, affinity: 1 },
      thresholds: { cpu_percent: 50, memory_percent: 95, disk_percent: 98 },
    };
    expect((await putSettings(strict)).status).toBe(200);
    const { assigned, score } = await pushedTo(owner, hot.worker_id, [hot, cool]);
    expect(assigned).toBe(cool.worker_id);
    expect(score.rejected).toContainEqual({ worker_id: hot.worker_id, reason: "cpu busy" });
  });
});
