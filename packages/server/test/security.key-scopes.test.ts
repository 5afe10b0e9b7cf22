// A9 (security review 2026-12-01): every API key had its user's full power, could mint more keys, and
// those keys outlived the key that made them. Each test performs the review's attack and asserts it now
// fails: a `worker` key may only register, heartbeat, pull, report and hold the worker socket (403 naming
// its scope elsewhere, the key routes included), and revoking a key revokes the keys minted with it.
import { mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalWorkerKey } from "@garageswarm/server";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { connectPeer, connectWorker, toWebSocketUrl } from "../../../test/support/ws.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const it = serverTest();

async function createKey(api: any, token: string, body: { name: string; scope?: string }) {
  const created = await api.post("/api/v1/keys", body, { token });
  if (created.status !== 201) throw new Error(`create key: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as { key: string; key_id: string; scope: string; created_by_key_id: string | null };
}

describe.skipIf(postgresStackMissing())("A9: API key scopes and minted keys", () => {
  it("a worker key registers, heartbeats, pulls and reports over REST, and holds the worker socket", async ({
    server,
    api,
  }) => {
    const owner = await createUser(api);
    const workerKey = await createKey(api, owner.access_token, { name: "gpu box", scope: "worker" });
    expect(workerKey).toMatchObject({ scope: "worker", created_by_key_id: null });
    const key = workerKey.key;

    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    const heartbeat = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 1, memory_percent: 2, disk_percent: 3, running_task_ids: [] },
      { token: key },
    );
    expect(heartbeat.status).toBe(200);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: key })).status).toBe(200);

    const task = await createTask(api, owner.access_token, { tool: "ollama" });
    const claimed = await pull(api, key, worker.worker_id);
    expect(claimed.status).toBe(200);
    const attempt = { attempt_token: claimed.body.attempt_token };
    const report = (path: string, body: object) =>
      api.post(`/api/v1/tasks/${task.task_id}/${path}`, { ...attempt, ...body }, { token: key });
    expect((await report("start", {})).status).toBe(200);
    expect((await report("progress", { progress: 50 })).status).toBe(200);
    expect((await report("output", { chunks: [{ seq: 0, stream: "stdout", chunk: "hi" }] })).status).toBe(204);
    expect((await report("complete", { result: { output: "done" } })).status).toBe(200);

    const socket = await connectWorker(server.url, key, {
      worker_id: worker.worker_id,
      machine_id: String(worker.machine_id),
      tools: [],
    });
    await socket.close();
  });

  it("a worker key gets 403 naming its scope on keys, tasks, workflows, sharing and the dashboard feed", async ({
    server,
    api,
  }) => {
    const owner = await createUser(api);
    const other: TestUser = await createUser(api);
    const key = (await createKey(api, owner.access_token, { name: "worker", scope: "worker" })).key;
    const worker = await registerWorker(api, key);
    const task = await createTask(api, owner.access_token, { tool: "ollama" });
    const fullKey = await createKey(api, owner.access_token, { name: "cli" });
    const forbidden: Array<[string, string, unknown?]> = [
      ["POST", "/api/v1/keys", { name: "minted by a worker key" }],
      ["GET", "/api/v1/keys"],
      ["DELETE", `/api/v1/keys/${fullKey.key_id}`],
      ["GET", "/api/v1/tasks"],
      ["GET", `/api/v1/tasks/${task.task_id}`],
      ["POST", "/api/v1/tasks", { description: "from a stolen worker key", tool: "ollama" }],
      ["POST", `/api/v1/tasks/${task.task_id}/cancel`],
      ["GET", "/api/v1/workflows"],
      ["GET", "/api/v1/workers"],
      ["POST", `/api/v1/workers/${worker.worker_id}/share`, { username: other.username, role: "operator" }],
      ["GET", `/api/v1/workers/${worker.worker_id}/share`],
      ["POST", `/api/v1/workers/${worker.worker_id}/drain`, { draining: true }],
      ["DELETE", `/api/v1/workers/${worker.worker_id}`],
      ["GET", "/api/v1/auth/me"],
      ["POST", "/api/v1/auth/change-password", { current_password: "x", new_password: "long-enough-pw" }],
    ];
    for (const [method, path, body] of forbidden) {
      const answer = await api.request(method, path, { token: key, body });
      expect([method, path, answer.status]).toEqual([method, path, 403]);
      expect(answer.body.detail).toContain('scope "worker"');
    }
    // The full key still works, the task is untouched, and the worker was not deleted.
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: fullKey.key })).body.status).toBe("queued");
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: key })).status).toBe(200);
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${owner.user_id}`), { authorization: `Bearer ${key}` }),
    ).rejects.toMatchObject({ status: 403 });
  });

  it("a key minted by a key records its parent and dies when the parent is revoked, transitively", async ({ api }) => {
    const owner = await createUser(api);
    const parent = await createKey(api, owner.access_token, { name: "tmp" });
    const child = await createKey(api, parent.key, { name: "minted by key" });
    const grandchild = await createKey(api, child.key, { name: "minted by minted", scope: "worker" });
    const sibling = await createKey(api, owner.access_token, { name: "unrelated" });
    expect(child.created_by_key_id).toBe(parent.key_id);
    expect(grandchild.created_by_key_id).toBe(child.key_id);

    expect((await api.delete(`/api/v1/keys/${parent.key_id}`, { token: owner.access_token })).status).toBe(204);
    for (const key of [parent, child, grandchild]) {
      expect((await api.get("/api/v1/tasks", { token: key.key })).status).toBe(401);
    }
    expect((await api.get("/api/v1/tasks", { token: sibling.key })).status).toBe(200);
    const listed = (await api.get("/api/v1/keys", { token: owner.access_token })).body.items;
    const revoked = listed.filter((item: any) => item.revoked_at !== null).map((item: any) => item.name);
    expect(revoked.sort()).toEqual(["minted by key", "minted by minted", "tmp"]);
  });

  it("the local worker's key is a worker key, and a full key left from before scopes is replaced", async ({
    server,
    api,
  }) => {
    const dataDir = mkdtempSync(join(tmpdir(), "gs-local-key-"));
    try {
      const resources = { ...server.resources, config: { ...server.resources.config, dataDir } };
      const admin = await createUser(api);
      const oldFullKey = await createApiKey(api, admin, "local worker");
      await writeFile(join(dataDir, "local-worker.key"), `${oldFullKey}\n`);

      const key = await ensureLocalWorkerKey(resources);
      expect(key).not.toBe(oldFullKey);
      expect((await api.get("/api/v1/tasks", { token: oldFullKey })).status).toBe(401);
      expect((await api.get("/api/v1/tasks", { token: key })).status).toBe(403);
      expect((await readFile(join(dataDir, "local-worker.key"), "utf8")).trim()).toBe(key);
      expect(await ensureLocalWorkerKey(resources)).toBe(key);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
