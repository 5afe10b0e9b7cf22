// The workers REST API over real HTTP: register, list, get, heartbeat, drain, share, delete.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const it = serverTest({ settings: { heartbeatIntervalSeconds: 7 } });

describe.skipIf(postgresStackMissing())("workers API", () => {
  it("registers with an API key, and re-registering the same machine updates instead of duplicating", async ({
    api,
  }) => {
    const owner = await createUserWithKey(api);
    const body = {
      machine_id: "garage-pc-1",
      machine_name: "Garage PC",
      platform: "linux",
      tools: [{ name: "ollama", version: "0.5.1", models: ["llama3"], healthy: true }],
      slots: 2,
      labels: ["gpu"],
      capacity: { cpu_cores: 16, memory_gb: 64 },
      version: "0.1.0",
    };
    const first = await api.post("/api/v1/workers/register", body, { token: owner.key });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      owner_user_id: owner.user_id,
      machine_id: "garage-pc-1",
      status: "online",
      draining: false,
      slots: 2,
      labels: ["gpu"],
      capacity: { cpu_cores: 16, memory_gb: 64 },
      role: "owner",
      running_tasks: 0,
      heartbeat_interval_seconds: 7,
    });

    const again = await api.post(
      "/api/v1/workers/register",
      { ...body, machine_name: "Garage PC (new GPU)", slots: 4, tools: [...body.tools, { name: "claude_code" }] },
      { token: owner.key },
    );
    expect(again.status).toBe(200);
    expect(again.body.worker_id).toBe(first.body.worker_id);
    expect(again.body).toMatchObject({ machine_name: "Garage PC (new GPU)", slots: 4 });
    expect(again.body.tools.map((tool: { name: string }) => tool.name)).toEqual(["ollama", "claude_code"]);

    const list = await api.get("/api/v1/workers", { token: owner.access_token });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.next_cursor).toBeNull();

    // The same machine id under another owner is another worker.
    const other = await createUserWithKey(api);
    const theirs = await api.post("/api/v1/workers/register", body, { token: other.key });
    expect(theirs.status).toBe(201);
    expect(theirs.body.worker_id).not.toBe(first.body.worker_id);
  });

  it("answers 404 for another user's worker on every verb, as for an unknown id", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const stranger = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const beat = { cpu_percent: 1, memory_percent: 1, disk_percent: 1 };
    for (const id of [worker.worker_id, "00000000-0000-4000-8000-000000000000"]) {
      const answers = [
        await api.get(`/api/v1/workers/${id}`, { token: stranger.access_token }),
        await api.delete(`/api/v1/workers/${id}`, { token: stranger.access_token }),
        await api.post(`/api/v1/workers/${id}/heartbeat`, beat, { token: stranger.key }),
        await pull(api, stranger.key, id),
        await api.post(`/api/v1/workers/${id}/drain`, {}, { token: stranger.access_token }),
        await api.get(`/api/v1/workers/${id}/share`, { token: stranger.access_token }),
        await api.post(
          `/api/v1/workers/${id}/share`,
          { user_id: stranger.user_id, role: "owner" },
          { token: stranger.access_token },
        ),
        await api.delete(`/api/v1/workers/${id}/share/${owner.user_id}`, { token: stranger.access_token }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual(Array(answers.length).fill(404));
    }
    expect((await api.get("/api/v1/workers", { token: stranger.access_token })).body.items).toEqual([]);
  });

  it("records heartbeats: resources, tools and online status", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    const answer = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      {
        cpu_percent: 12.5,
        memory_percent: 40,
        disk_percent: 71,
        running_task_ids: [],
        tools: [{ name: "claude_code", version: "2.0.1", healthy: false }],
      },
      { token: owner.key },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ heartbeat_interval_seconds: 7, cancel_task_ids: [] });
    const fetched = (await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).body;
    expect(fetched).toMatchObject({ cpu_percent: 12.5, memory_percent: 40, disk_percent: 71, status: "online" });
    expect(fetched.tools).toEqual([{ name: "claude_code", version: "2.0.1", models: [], healthy: false }]);
    // The tool is now unhealthy: the worker gets no task for it.
    await createTask(api, owner.access_token, { tool: "claude_code" });
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);
  });

  it("shares by role, once accepted: owner manages, operator drains and runs tasks, viewer only sees", async ({
    api,
  }) => {
    const owner = await createUserWithKey(api);
    const operator = await createUserWithKey(api);
    const viewer = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const id = worker.worker_id;

    // A share is an offer (202) until its recipient accepts it, by username or by id.
    const byName = await api.post(
      `/api/v1/workers/${id}/share`,
      { username: operator.username, role: "operator" },
      { token: owner.access_token },
    );
    expect(byName.status).toBe(202);
    expect(byName.body).toEqual({ status: "offered" });
    const byId = await api.post(
      `/api/v1/workers/${id}/share`,
      { user_id: viewer.user_id, role: "viewer" },
      { token: owner.access_token },
    );
    expect(byId.status).toBe(202);
    const memberNames = async () =>
      (await api.get(`/api/v1/workers/${id}/share`, { token: owner.access_token })).body.items.map(
        (member: { username: string; role: string }) => [member.username, member.role],
      );
    expect(await memberNames()).toEqual([[owner.username, "owner"]]);
    for (const member of [operator, viewer]) {
      const accepted = await api.post(`/api/v1/workers/${id}/share/accept`, undefined, { token: member.access_token });
      expect(accepted.status).toBe(200);
    }
    expect(await memberNames()).toEqual([
      [owner.username, "owner"],
      [operator.username, "operator"],
      [viewer.username, "viewer"],
    ]);

    expect((await api.get("/api/v1/workers", { token: viewer.access_token })).body.items[0]).toMatchObject({
      worker_id: id,
      role: "viewer",
      owner_username: owner.username,
    });
    expect((await api.get(`/api/v1/workers/${id}/share`, { token: viewer.access_token })).body.items).toHaveLength(3);
    expect((await api.post(`/api/v1/workers/${id}/drain`, {}, { token: viewer.access_token })).status).toBe(403);
    expect(
      (
        await api.post(
          `/api/v1/workers/${id}/share`,
          { user_id: viewer.user_id, role: "owner" },
          { token: viewer.access_token },
        )
      ).status,
    ).toBe(403);
    expect((await api.delete(`/api/v1/workers/${id}`, { token: viewer.access_token })).status).toBe(403);
    const beat = { cpu_percent: 1, memory_percent: 1, disk_percent: 1 };
    expect((await api.post(`/api/v1/workers/${id}/heartbeat`, beat, { token: operator.key })).status).toBe(403);

    const drained = await api.post(`/api/v1/workers/${id}/drain`, undefined, { token: operator.access_token });
    expect(drained.status).toBe(200);
    expect(drained.body.draining).toBe(true);
    // A member may remove themselves, not others.
    expect(
      (await api.delete(`/api/v1/workers/${id}/share/${viewer.user_id}`, { token: operator.access_token })).status,
    ).toBe(403);

    // The owner cannot be removed or demoted; others can.
    expect(
      (await api.delete(`/api/v1/workers/${id}/share/${owner.user_id}`, { token: owner.access_token })).status,
    ).toBe(409);
    expect(
      (
        await api.post(
          `/api/v1/workers/${id}/share`,
          { user_id: owner.user_id, role: "viewer" },
          { token: owner.access_token },
        )
      ).status,
    ).toBe(409);
    expect(
      (await api.delete(`/api/v1/workers/${id}/share/${viewer.user_id}`, { token: owner.access_token })).status,
    ).toBe(204);
    expect((await api.get(`/api/v1/workers/${id}`, { token: viewer.access_token })).status).toBe(404);
    // Removing again answers the same: the owner learns nothing about who has (or had) a pending offer.
    expect(
      (await api.delete(`/api/v1/workers/${id}/share/${viewer.user_id}`, { token: owner.access_token })).status,
    ).toBe(204);

    expect(
      (await api.delete(`/api/v1/workers/${id}/share/${operator.user_id}`, { token: operator.access_token })).status,
    ).toBe(204);
    expect((await api.get(`/api/v1/workers/${id}`, { token: operator.access_token })).status).toBe(404);
    expect(await memberNames()).toEqual([[owner.username, "owner"]]);
  });

  it("deletes a worker (owner only); the task it held goes back to the queue", async ({ server, api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { tools: ["shell"] });
    const task = await createTask(api, owner.access_token, { tool: "shell" });
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(200);

    expect((await api.delete(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).status).toBe(204);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).status).toBe(404);
    await server.reaper.runOnce(new Date());
    const requeued = (await api.get(`/api/v1/tasks/${task.task_id}`, { token: owner.access_token })).body;
    expect(requeued).toMatchObject({ status: "queued", worker_id: null });
  });
});
