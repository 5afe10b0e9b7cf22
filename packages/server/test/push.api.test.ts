// Web Push: a user's devices (add, list, remove; nobody else's), bad input refused with a problem naming the
// field, and notifications that reach a fake push service on 127.0.0.1 — signed with the server's VAPID key,
// encrypted to the device, and decrypted there as a browser would — when a run waits for approval, a run or
// a task fails, or a tool hits its usage limit; a device the push service says is gone is removed.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { type FakePushService, startFakePushService } from "../../../test/fakes/push-service.ts";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker, report, reportLimit } from "./queue.support.ts";

const it = test
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
  .extend("pushService", { scope: "file" }, async ({}, { onCleanup }) => {
    const service = await startFakePushService();
    onCleanup(() => service.close());
    return service;
  })
  .extend("server", { scope: "file" }, async ({ pushService }, { onCleanup }) => {
    const server = await startTestServer({
      pushServiceOrigins: [pushService.origin],
      pushContact: "mailto:ops@example.test",
    });
    onCleanup(() => server.close());
    return server;
  })
  .extend("api", { scope: "file" }, ({ server }) => apiClient(server.url));

function subscriptionOf(device: { endpoint: string; keys: { p256dh: string; auth: string } }, label?: string) {
  return { endpoint: device.endpoint, expirationTime: null, keys: device.keys, ...(label ? { label } : {}) };
}

async function subscribe(api: ReturnType<typeof apiClient>, user: TestUser, pushService: FakePushService) {
  const device = pushService.subscribe();
  const added = await api.post("/api/v1/push/subscriptions", subscriptionOf(device, "phone"), {
    token: user.access_token,
  });
  expect(added.status).toBe(201);
  return { device, subscriptionId: added.body.subscription_id as string };
}

function pushesTo(pushService: FakePushService, endpoint: string) {
  return pushService.received.filter((push) => push.device.endpoint === endpoint);
}

describe.skipIf(postgresStackMissing())("Web Push", () => {
  it("lists and removes only the user's own devices", async ({ api, pushService }) => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const device = pushService.subscribe();
    const added = await api.post("/api/v1/push/subscriptions", subscriptionOf(device, "Pixel"), {
      token: owner.access_token,
      headers: { "user-agent": "Mozilla/5.0 (Linux; Android 15)" },
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      endpoint: device.endpoint,
      label: "Pixel",
      user_agent: "Mozilla/5.0 (Linux; Android 15)",
      last_success_at: null,
    });
    // The same browser subscribing again refreshes its row instead of adding one.
    const again = await api.post("/api/v1/push/subscriptions", subscriptionOf(device), { token: owner.access_token });
    expect(again.body.subscription_id).toBe(added.body.subscription_id);
    expect(again.body.label).toBe("Pixel");

    const mine = await api.get("/api/v1/push/subscriptions", { token: owner.access_token });
    expect(mine.body.items.map((item: any) => item.subscription_id)).toEqual([added.body.subscription_id]);
    expect((await api.get("/api/v1/push/subscriptions", { token: stranger.access_token })).body.items).toEqual([]);

    const id = added.body.subscription_id;
    expect((await api.delete(`/api/v1/push/subscriptions/${id}`, { token: stranger.access_token })).status).toBe(404);
    expect((await api.get("/api/v1/push/subscriptions", { token: owner.access_token })).body.items).toHaveLength(1);
    expect((await api.delete(`/api/v1/push/subscriptions/${id}`, { token: owner.access_token })).status).toBe(204);
    expect((await api.delete(`/api/v1/push/subscriptions/${id}`, { token: owner.access_token })).status).toBe(404);
    expect((await api.get("/api/v1/push/subscriptions", { token: owner.access_token })).body.items).toEqual([]);
  });

  it("keeps two users of one browser apart: each has a row of their own", async ({ api, pushService }) => {
    const first = await createUser(api);
    const second = await createUser(api);
    const device = pushService.subscribe();
    const a = await api.post("/api/v1/push/subscriptions", subscriptionOf(device), { token: first.access_token });
    const b = await api.post("/api/v1/push/subscriptions", subscriptionOf(device), { token: second.access_token });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.subscription_id).not.toBe(a.body.subscription_id);
    expect((await api.get("/api/v1/push/subscriptions", { token: first.access_token })).body.items).toHaveLength(1);
  });

  it("answers the VAPID public key to users only, and refuses worker keys", async ({ api }) => {
    const user = await createUser(api);
    const key = await api.get("/api/v1/push/vapid-public-key", { token: user.access_token });
    expect(key.status).toBe(200);
    expect(Buffer.from(key.body.public_key, "base64url")).toHaveLength(65);
    expect((await api.get("/api/v1/push/vapid-public-key")).status).toBe(401);
    const workerKey = await api.post("/api/v1/keys", { name: "box", scope: "worker" }, { token: user.access_token });
    const refused = await api.get("/api/v1/push/subscriptions", { token: workerKey.body.key });
    expect(refused.status).toBe(403);
  });

  it("refuses bad input with a problem naming the field, and writes nothing", async ({ api, pushService }) => {
    const user = await createUser(api);
    const device = pushService.subscribe();
    const as = { token: user.access_token };
    const cases: Array<[unknown, string, number]> = [
      [{ ...subscriptionOf(device), endpoint: "ftp://push.example/x" }, "body.endpoint", 400],
      // Not a push service this server knows: it would make the server POST wherever a user says.
      [{ ...subscriptionOf(device), endpoint: "https://169.254.169.254/latest/meta-data" }, "body.endpoint", 400],
      [{ ...subscriptionOf(device), endpoint: "http://127.0.0.1:6379/" }, "body.endpoint", 400],
      [{ ...subscriptionOf(device), endpoint: "https://fcm.googleapis.com.evil.test/x" }, "body.endpoint", 400],
      [{ ...subscriptionOf(device), keys: { ...device.keys, p256dh: "abc" } }, "body.keys.p256dh", 400],
      // 65 bytes, but not a point on the curve.
      [
        { ...subscriptionOf(device), keys: { ...device.keys, p256dh: Buffer.alloc(65, 4).toString("base64url") } },
        "body.keys.p256dh",
        400,
      ],
      [{ ...subscriptionOf(device), keys: { ...device.keys, auth: "x".repeat(40) } }, "body.keys.auth", 400],
      [{ ...subscriptionOf(device), label: "x".repeat(101) }, "body.label", 400],
      [{ ...subscriptionOf(device), extra: true }, "body", 400],
      [{ endpoint: device.endpoint }, "body.keys", 400],
    ];
    for (const [body, field, status] of cases) {
      const answer = await api.post("/api/v1/push/subscriptions", body, as);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(answer.body.errors.map((error: any) => error.field)).toContain(field);
    }
    const badId = await api.delete("/api/v1/push/subscriptions/not-a-uuid", as);
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe("path.id");
    expect((await api.get("/api/v1/push/subscriptions", as)).body.items).toEqual([]);
  });

  it("keeps at most 20 devices per user", async ({ api, pushService }) => {
    const user = await createUser(api);
    const as = { token: user.access_token };
    for (let index = 0; index < 20; index++) {
      expect((await api.post("/api/v1/push/subscriptions", subscriptionOf(pushService.subscribe()), as)).status).toBe(
        201,
      );
    }
    const one = pushService.subscribe();
    const refused = await api.post("/api/v1/push/subscriptions", subscriptionOf(one), as);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect((await api.get("/api/v1/push/subscriptions", as)).body.items).toHaveLength(20);
  });

  it("notifies the owner's devices, and only theirs, when a run waits for approval", async ({
    api,
    server,
    pushService,
  }) => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const mine = await subscribe(api, owner, pushService);
    const theirs = await subscribe(api, stranger, pushService);
    const vapid = await api.get("/api/v1/push/vapid-public-key", { token: owner.access_token });

    const workflow = await api.post(
      "/api/v1/workflows",
      {
        name: "release",
        workflow_type: "sequential",
        definition: { nodes: [{ id: "gate", type: "approval", message: "Ship it?" }] },
      },
      { token: owner.access_token },
    );
    expect(workflow.status).toBe(201);
    const workflowId = workflow.body.workflow_id;
    const run = await api.post(`/api/v1/workflows/${workflowId}/execute`, undefined, { token: owner.access_token });
    expect(run.status).toBe(201);
    const runId = run.body.run_id;
    await server.resources.push.settled();

    const pushes = pushesTo(pushService, mine.device.endpoint);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.payload).toEqual({
      kind: "approval_waiting",
      title: "Approval needed",
      body: "release: gate waits for your approval.",
      url: `/workflows/${workflowId}/runs/${runId}`,
      tag: `approval:${runId}:gate`,
    });
    expect(pushes[0]?.vapid).toMatchObject({ sub: "mailto:ops@example.test", publicKey: vapid.body.public_key });
    expect(pushes[0]?.headers.urgency).toBe("high");
    expect(pushesTo(pushService, theirs.device.endpoint)).toEqual([]);
    expect(pushService.refused).toEqual([]);

    const devices = await api.get("/api/v1/push/subscriptions", { token: owner.access_token });
    expect(devices.body.items[0].last_success_at).not.toBeNull();

    // Rejecting fails the run: that is news too.
    const rejected = await api.post(
      `/api/v1/runs/${runId}/nodes/gate/reject`,
      { comment: "not today" },
      {
        token: owner.access_token,
      },
    );
    expect(rejected.body.status).toBe("failed");
    await server.resources.push.settled();
    expect(pushesTo(pushService, mine.device.endpoint).map((push) => push.payload)).toContainEqual({
      kind: "run_failed",
      title: "Workflow run failed",
      body: `release: node "gate" failed: rejected by ${owner.username}: not today`,
      url: `/workflows/${workflowId}/runs/${runId}`,
      tag: `run:${runId}`,
    });
  });

  it("notifies when a task fails for good, and when a tool hits its usage limit", async ({
    api,
    server,
    pushService,
  }) => {
    const owner = await createUser(api);
    const key = await createApiKey(api, owner);
    const { device } = await subscribe(api, owner, pushService);
    const worker = await registerWorker(api, key, { tools: ["claude_code"] });

    const limited = await createTask(api, owner.access_token, { description: "summarise the logs" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    expect(claimed.task_id).toBe(limited.task_id);
    const resetsAt = new Date(Date.now() + 3600_000).toISOString();
    expect((await reportLimit(api, key, claimed, { resets_at: resetsAt })).status).toBe(200);
    await server.resources.push.settled();
    expect(pushesTo(pushService, device.endpoint).at(-1)?.payload).toEqual({
      kind: "tool_limited",
      title: "claude_code: usage limit reached",
      body: `summarise the logs waits until ${resetsAt.slice(0, 16).replace("T", " ")} UTC.`,
      url: `/tasks/${limited.task_id}`,
      tag: `limit:${worker.worker_id}:claude_code`,
    });

    const failing = await createTask(api, owner.access_token, {
      description: "compile the thesis",
      tool: "shell",
      max_attempts: 1,
    });
    const shellWorker = await registerWorker(api, key, { tools: ["shell"] });
    const taken = (await pull(api, key, shellWorker.worker_id)).body;
    expect(taken.task_id).toBe(failing.task_id);
    const failed = await report(api, key, taken.task_id, "fail", {
      attempt_token: taken.attempt_token,
      error: "latex: command not found",
      retryable: false,
    });
    expect(failed.body.status).toBe("failed");
    await server.resources.push.settled();
    expect(pushesTo(pushService, device.endpoint).at(-1)?.payload).toEqual({
      kind: "task_failed",
      title: "Task failed",
      body: "compile the thesis: latex: command not found",
      url: `/tasks/${failing.task_id}`,
      tag: `task:${failing.task_id}`,
    });
    expect(pushService.refused).toEqual([]);
  });

  it("removes a device the push service says is gone (410), and keeps the others", async ({
    api,
    server,
    pushService,
  }) => {
    const owner = await createUser(api);
    const kept = await subscribe(api, owner, pushService);
    const dropped = await subscribe(api, owner, pushService);
    pushService.unsubscribe(dropped.device);

    const workflow = await api.post(
      "/api/v1/workflows",
      {
        name: `gate-${randomBytes(2).toString("hex")}`,
        workflow_type: "sequential",
        definition: { nodes: [{ id: "gate", type: "approval" }] },
      },
      { token: owner.access_token },
    );
    await api.post(`/api/v1/workflows/${workflow.body.workflow_id}/execute`, undefined, { token: owner.access_token });
    await server.resources.push.settled();

    expect(pushesTo(pushService, kept.device.endpoint)).toHaveLength(1);
    const devices = await api.get("/api/v1/push/subscriptions", { token: owner.access_token });
    expect(devices.body.items.map((item: any) => item.subscription_id)).toEqual([kept.subscriptionId]);
  });
});
