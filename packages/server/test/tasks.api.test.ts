// The tasks REST API over real HTTP: a user's own tasks, and nobody else's.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("tasks API", () => {
  it("creates a task with defaults, and gets it back", async ({ api }) => {
    const user = await createUser(api);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "Summarise the README", tool: "claude_code" },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      description: "Summarise the README",
      prompt: "Summarise the README",
      tool: "claude_code",
      model: null,
      priority: 0,
      requirements: {},
      options: {},
      timeout_seconds: 1800,
      max_attempts: 3,
      status: "queued",
      progress: 0,
      attempt: 0,
      worker_id: null,
      result: null,
      error: null,
      score: null,
    });
    const fetched = await api.get(`/api/v1/tasks/${created.body.task_id}`, { token: user.access_token });
    expect(fetched.status).toBe(200);
    expect(fetched.body).toEqual(created.body);
  });

  it("answers 404 for another user's task exactly as for an unknown id, on every verb", async ({ api }) => {
    const alice = await createUser(api);
    const bob = await createUser(api);
    const task = await createTask(api, alice.access_token);
    const unknown = "00000000-0000-4000-8000-000000000000";
    for (const id of [task.task_id, unknown]) {
      const answers = [
        await api.get(`/api/v1/tasks/${id}`, { token: bob.access_token }),
        await api.patch(`/api/v1/tasks/${id}`, { priority: 5 }, { token: bob.access_token }),
        await api.delete(`/api/v1/tasks/${id}`, { token: bob.access_token }),
        await api.post(`/api/v1/tasks/${id}/cancel`, undefined, { token: bob.access_token }),
      ];
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        expect(answer.body.detail).toBe("task not found");
      }
    }
    expect((await api.get("/api/v1/tasks", { token: bob.access_token })).body.items).toEqual([]);
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: alice.access_token })).body.status).toBe("queued");
  });

  it("needs credentials", async ({ api }) => {
    expect((await api.get("/api/v1/tasks")).status).toBe(401);
    expect((await api.post("/api/v1/tasks", { description: "x", tool: "shell" })).status).toBe(401);
  });

  it("walks every page of the list once, newest first, and filters", async ({ api }) => {
    const user = await createUser(api);
    const ids: string[] = [];
    for (let i = 0; i < 23; i++)
      ids.push((await createTask(api, user.access_token, { description: `task ${i}` })).task_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=5&cursor=${cursor}` : "?limit=5";
      const response = await api.get(`/api/v1/tasks${query}`, { token: user.access_token });
      expect(response.status).toBe(200);
      seen.push(...response.body.items.map((item: { task_id: string }) => item.task_id));
      cursor = response.body.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(23);
    expect([...seen].sort()).toEqual([...ids].sort());

    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key);
    const claimed = (await pull(api, key, worker.worker_id)).body;
    const assigned = await api.get("/api/v1/tasks?status=assigned", { token: user.access_token });
    expect(assigned.body.items.map((item: { task_id: string }) => item.task_id)).toEqual([claimed.task_id]);
    const onWorker = await api.get(`/api/v1/tasks?worker_id=${worker.worker_id}`, { token: user.access_token });
    expect(onWorker.body.items).toHaveLength(1);
    const inWorkflow = await api.get("/api/v1/tasks?workflow_id=00000000-0000-4000-8000-000000000000", {
      token: user.access_token,
    });
    expect(inWorkflow.body).toEqual({ items: [], next_cursor: null, total: 0 });

    const badCursor = await api.get("/api/v1/tasks?cursor=bm9wZQ", { token: user.access_token });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors[0].field).toBe("query.cursor");
  });

  it("updates a queued task, and refuses while a worker holds it", async ({ api }) => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const task = await createTask(api, user.access_token, { tool: "ollama" });
    const patched = await api.patch(
      `/api/v1/tasks/${task.task_id}`,
      { priority: 7, description: "new words", requirements: { labels: ["gpu"] } },
      { token: user.access_token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ priority: 7, description: "new words", requirements: { labels: ["gpu"] } });

    await api.patch(`/api/v1/tasks/${task.task_id}`, { requirements: {} }, { token: user.access_token });
    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    expect((await pull(api, key, worker.worker_id)).status).toBe(200);
    const refused = await api.patch(`/api/v1/tasks/${task.task_id}`, { priority: 1 }, { token: user.access_token });
    expect(refused.status).toBe(409);
    expect((await api.delete(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(409);
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).body.priority).toBe(7);

    const empty = await api.patch(`/api/v1/tasks/${task.task_id}`, {}, { token: user.access_token });
    expect(empty.status).toBe(400);
  });

  it("answers PUT as PATCH: the fields given change, bad input names the field, a held task is refused", async ({
    api,
  }) => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const task = await createTask(api, user.access_token, { tool: "ollama" });
    const put = await api.put(`/api/v1/tasks/${task.task_id}`, { priority: 9 }, { token: user.access_token });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ priority: 9, description: task.description, tool: "ollama" });

    const bad = await api.put(`/api/v1/tasks/${task.task_id}`, { priority: 500 }, { token: user.access_token });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(bad.body.errors[0].field).toBe("body.priority");

    const stranger = await createUser(api);
    expect(
      (await api.put(`/api/v1/tasks/${task.task_id}`, { priority: 1 }, { token: stranger.access_token })).status,
    ).toBe(404);

    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    expect((await pull(api, key, worker.worker_id)).status).toBe(200);
    expect((await api.put(`/api/v1/tasks/${task.task_id}`, { priority: 1 }, { token: user.access_token })).status).toBe(
      409,
    );
  });

  it("deletes a task that no worker holds", async ({ api }) => {
    const user = await createUser(api);
    const task = await createTask(api, user.access_token);
    expect((await api.delete(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(204);
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(404);
    expect((await api.delete(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(404);
  });

  it("cancels a queued task at once; a second cancel is a conflict", async ({ api }) => {
    const user = await createUser(api);
    const task = await createTask(api, user.access_token);
    const cancelled = await api.post(`/api/v1/tasks/${task.task_id}/cancel`, undefined, { token: user.access_token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", worker_id: null });
    expect(cancelled.body.completed_at).not.toBeNull();
    expect(
      (await api.post(`/api/v1/tasks/${task.task_id}/cancel`, undefined, { token: user.access_token })).status,
    ).toBe(409);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key);
    expect((await pull(api, key, worker.worker_id)).status).toBe(204);
  });

  it("cancels a running task, tells its worker over the bus, and publishes the change", async ({ server, api }) => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["gemini_cli"] });
    const task = await createTask(api, user.access_token, { tool: "gemini_cli" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    await api.post(`/api/v1/tasks/${task.task_id}/start`, { attempt_token: claimed.attempt_token }, { token: key });

    const heard: Array<[string, unknown]> = [];
    const stops = await Promise.all(
      ["task.cancel", "task.updated"].map((channel) =>
        server.resources.bus.subscribe(channel, (message) => heard.push([channel, message])),
      ),
    );
    const cancelled = await api.post(`/api/v1/tasks/${task.task_id}/cancel`, undefined, { token: user.access_token });
    expect(cancelled.body).toMatchObject({ status: "cancelled", worker_id: worker.worker_id });
    await expect
      .poll(() => heard)
      .toEqual(
        expect.arrayContaining([
          ["task.cancel", { task_id: task.task_id, worker_id: worker.worker_id, reason: "cancelled by user" }],
          [
            "task.updated",
            expect.objectContaining({ task_id: task.task_id, user_id: user.user_id, status: "cancelled" }),
          ],
        ]),
      );
    await Promise.all(stops.map((stop) => stop()));
    // Once cancelled, the task is no longer running: it may be deleted.
    expect((await api.delete(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(204);
  });
});
