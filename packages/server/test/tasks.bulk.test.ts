// Bulk create: `POST /api/v1/tasks` with an array creates every task or none, in one statement, and answers
// them in order; each item is checked as the single create checks it, with the problem naming the item.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { pull, registerWorker, shareAccepted } from "./queue.support.ts";

const it = serverTest();

const task = (description: string, extra: Record<string, unknown> = {}) => ({
  description,
  tool: "claude_code",
  ...extra,
});

describe.skipIf(postgresStackMissing())("bulk task create", () => {
  async function counts(server: { resources: { db: { execute: (query: ReturnType<typeof sql>) => unknown } } }) {
    const result = (await server.resources.db.execute(
      sql`select (select count(*) from tasks)::int as tasks, (select count(*) from task_events)::int as events`,
    )) as { rows: Array<{ tasks: number; events: number }> };
    return result.rows[0];
  }

  it("creates every task of the array, queued with its first event, and answers them in order", async ({
    api,
    server,
  }) => {
    const user = await createUser(api);
    const before = await counts(server);
    const bodies = Array.from({ length: 50 }, (_, index) => task(`task ${index}`, { priority: index % 7 }));
    const created = await api.post("/api/v1/tasks", bodies, { token: user.access_token });
    expect(created.status).toBe(201);
    expect(created.body).toHaveLength(50);
    created.body.forEach((view: { description: string; priority: number; status: string }, index: number) => {
      expect(view).toMatchObject({ description: `task ${index}`, priority: index % 7, status: "queued", attempt: 0 });
    });
    expect(new Set(created.body.map((view: { task_id: string }) => view.task_id)).size).toBe(50);
    expect(await counts(server)).toEqual({ tasks: (before?.tasks ?? 0) + 50, events: (before?.events ?? 0) + 50 });

    const one = created.body[17];
    const fetched = await api.get(`/api/v1/tasks/${one.task_id}`, { token: user.access_token });
    expect(fetched.body).toEqual(one);
  });

  it("writes nothing when one item is bad, and names that item's field", async ({ api, server }) => {
    const user = await createUser(api);
    const before = await counts(server);
    const bodies = [task("a"), task("b"), task("c"), task("d", { prompt: "" }), task("e")];
    const refused = await api.post("/api/v1/tasks", bodies, { token: user.access_token });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual(["body[3].prompt"]);
    expect(refused.body.detail).toContain("body[3].prompt");

    const several = await api.post(
      "/api/v1/tasks",
      [task("a", { max_attempts: 0 }), task("b"), task("c", { tool: "skynet" })],
      { token: user.access_token },
    );
    expect(several.status).toBe(400);
    expect(several.body.errors.map((error: { field: string }) => error.field)).toEqual([
      "body[0].max_attempts",
      "body[2].tool",
    ]);
    expect(await counts(server)).toEqual(before);
  });

  it("keeps the single-object form: one task answered as an object, its problems named as before", async ({ api }) => {
    const user = await createUser(api);
    const created = await api.post("/api/v1/tasks", task("alone"), { token: user.access_token });
    expect(created.status).toBe(201);
    expect(Array.isArray(created.body)).toBe(false);
    expect(created.body).toMatchObject({ description: "alone", status: "queued" });
    const refused = await api.post("/api/v1/tasks", task(" "), { token: user.access_token });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual(["body.description"]);
  });

  it("refuses an empty array and more than 1000 tasks, writing nothing", async ({ api, server }) => {
    const user = await createUser(api);
    const before = await counts(server);
    const empty = await api.post("/api/v1/tasks", [], { token: user.access_token });
    expect(empty.status).toBe(400);
    expect(empty.body.errors.map((error: { field: string }) => error.field)).toEqual(["body"]);
    const tooMany = await api.post(
      "/api/v1/tasks",
      Array.from({ length: 1001 }, (_, index) => task(`t${index}`)),
      { token: user.access_token },
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors.map((error: { field: string }) => error.field)).toEqual(["body"]);
    expect(await counts(server)).toEqual(before);
  });

  it("creates 1000 tasks in one request", async ({ api }) => {
    const user = await createUser(api);
    const bodies = Array.from({ length: 1000 }, (_, index) => task(`bulk ${index}`));
    const created = await api.post("/api/v1/tasks", bodies, { token: user.access_token });
    expect(created.status).toBe(201);
    expect(created.body.map((view: { description: string }) => view.description)).toEqual(
      bodies.map((body) => body.description),
    );
  });

  it("applies the body size limit to the whole request", async ({ api, server }) => {
    const user = await createUser(api);
    const before = await counts(server);
    // Each prompt is within a task's own cap; together they pass the server's body limit (1 MiB).
    const bodies = Array.from({ length: 5 }, (_, index) => task(`big ${index}`, { prompt: "x".repeat(300_000) }));
    const refused = await api.post("/api/v1/tasks", bodies, { token: user.access_token });
    expect(refused.status).toBe(413);
    expect(await counts(server)).toEqual(before);
  });

  it("pins tasks only to workers the user may run tasks on, as the single create does", async ({ api, server }) => {
    const owner = await createUser(api);
    const ownerKey = await createApiKey(api, owner);
    const stranger = await createUser(api);
    const operator = await createUser(api);
    const viewer = await createUser(api);
    const box = (await registerWorker(api, ownerKey, { tools: ["claude_code"], slots: 4 })).worker_id;
    await shareAccepted(api, owner, box, operator, "operator");
    await shareAccepted(api, owner, box, viewer, "viewer");
    const before = await counts(server);

    // Someone else's worker, a worker shared only to view, and a worker that does not exist: refused, per item.
    const missing = "00000000-0000-4000-8000-000000000000";
    const refused = await api.post(
      "/api/v1/tasks",
      [task("free"), task("pinned", { worker_id: box }), task("nowhere", { worker_id: missing })],
      { token: stranger.access_token },
    );
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: { field: string }) => error.field)).toEqual([
      "body[1].worker_id",
      "body[2].worker_id",
    ]);
    const asViewer = await api.post("/api/v1/tasks", [task("v", { worker_id: box })], { token: viewer.access_token });
    expect(asViewer.status).toBe(400);
    expect(asViewer.body.errors.map((error: { field: string }) => error.field)).toEqual(["body[0].worker_id"]);
    expect(await counts(server)).toEqual(before);

    // The owner and an operator may pin to it; the worker gets the pinned tasks.
    const pinned = await api.post("/api/v1/tasks", [task("mine", { worker_id: box }), task("loose")], {
      token: owner.access_token,
    });
    expect(pinned.status).toBe(201);
    expect(pinned.body.map((view: { pinned_worker_id: string | null }) => view.pinned_worker_id)).toEqual([box, null]);
    const byOperator = await api.post("/api/v1/tasks", [task("op", { worker_id: box })], {
      token: operator.access_token,
    });
    expect(byOperator.status).toBe(201);
    const claimed = await pull(api, ownerKey, box);
    expect(claimed.status).toBe(200);
  });

  it("wakes a waiting puller for tasks created in bulk", async ({ api, user, key }) => {
    const box = (await registerWorker(api, key, { tools: ["shell"] })).worker_id;
    const waiting = pull(api, key, box, 10);
    const created = await api.post("/api/v1/tasks", [task("wake", { tool: "shell" }), task("other")], {
      token: user.access_token,
    });
    expect(created.status).toBe(201);
    const claimed = await waiting;
    expect(claimed.status).toBe(200);
    expect(claimed.body.task_id).toBe(created.body[0].task_id);
  });
});
