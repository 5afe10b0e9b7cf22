// Review finding A1 (security-2026-12-01.md): any user could "share" a worker with anyone and so receive
// their tasks (prompts and attempt tokens) and forge the results. Each test performs the attack over real
// HTTP and WebSocket and asserts it now fails: a share is an offer, nothing of the recipient's runs on the
// worker until they accept, either side can end it, and a task records whose machine ran it.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey, type TestUser } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const it = serverTest();
const ollama = [{ name: "ollama", version: "1.0.0", models: [], healthy: true }];

describe.skipIf(postgresStackMissing())("A1: sharing a worker needs the recipient's consent", () => {
  async function evilWorker(api: ApiClient, machineId: string) {
    const mallory = await createUserWithKey(api);
    const worker = await registerWorker(api, mallory.key, { tools: ["ollama"], machine_id: machineId, slots: 4 });
    return { mallory, worker };
  }

  const offer = (api: ApiClient, owner: TestUser, workerId: string, to: TestUser, role = "operator") =>
    api.post(`/api/v1/workers/${workerId}/share`, { username: to.username, role }, { token: owner.access_token });

  /**
   * A fresh socket for the worker: on hello the server fills its free slots with whatever it may run. The
   * heartbeat's ack comes after that fill (messages are handled in order), so the assignments it made are
   * all in `received` by then.
   */
  async function socketAfterFill(url: string, key: string, workerId: string, machineId: string): Promise<Peer> {
    const peer = await connectWorker(url, key, { worker_id: workerId, machine_id: machineId, tools: ollama, slots: 4 });
    const beat = peer.send("heartbeat", { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [] });
    await peer.next((message) => message.type === "ack" && message.id === beat);
    return peer;
  }
  const assigned = (peer: Peer) =>
    peer.received.filter((message) => message.type === "task.assign").map((message) => message.data.task_id);

  it("runs none of the recipient's tasks while the offer is pending or declined, and forged reports fail", async ({
    server,
    api,
  }) => {
    const { mallory, worker } = await evilWorker(api, "evil-1");
    const alice = await createUser(api);
    const shared = await offer(api, mallory, worker.worker_id, alice);
    expect(shared.status).toBe(202);
    expect(shared.body).toEqual({ status: "offered" });
    const secret = await createTask(api, alice.access_token, { tool: "ollama", prompt: "SECRET-PROMPT-ALICE" });

    // Pending: neither the pull claim nor the push allocator hands mallory alice's task.
    expect((await pull(api, mallory.key, worker.worker_id)).status).toBe(204);
    const pending = await socketAfterFill(server.url, mallory.key, worker.worker_id, "evil-1");
    expect(assigned(pending)).toEqual([]);
    await pending.close();
    // The offer gives alice nothing either: she cannot see the worker nor pin a task to it.
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: alice.access_token })).status).toBe(404);
    const pinned = await api.post(
      "/api/v1/tasks",
      { description: "pinned", tool: "ollama", worker_id: worker.worker_id },
      { token: alice.access_token },
    );
    expect(pinned.status).toBe(400);
    expect(pinned.body.errors[0].field).toBe("body.worker_id");

    // Mallory cannot report on alice's task: not started, not completed, whatever token she guesses.
    for (const verb of ["start", "complete"]) {
      const forged = await api.post(
        `/api/v1/tasks/${secret.task_id}/${verb}`,
        { attempt_token: crypto.randomUUID(), ...(verb === "complete" ? { result: { output: "FORGED" } } : {}) },
        { token: mallory.key },
      );
      expect(forged.status).toBe(404);
    }

    // Alice sees the offer, with who made it, and declines.
    const offers = await api.get("/api/v1/workers/offers", { token: alice.access_token });
    expect(offers.status).toBe(200);
    expect(offers.body.items).toEqual([
      expect.objectContaining({
        worker_id: worker.worker_id,
        role: "operator",
        owner_username: mallory.username,
        offered_by_username: mallory.username,
      }),
    ]);
    expect(
      (await api.post(`/api/v1/workers/${worker.worker_id}/share/decline`, undefined, { token: alice.access_token }))
        .status,
    ).toBe(204);
    expect((await api.get("/api/v1/workers/offers", { token: alice.access_token })).body.items).toEqual([]);
    expect(
      (await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: alice.access_token }))
        .status,
    ).toBe(404);

    // Declined: still nothing.
    expect((await pull(api, mallory.key, worker.worker_id)).status).toBe(204);
    const declined = await socketAfterFill(server.url, mallory.key, worker.worker_id, "evil-1");
    expect(assigned(declined)).toEqual([]);
    await declined.close();
    const seen = (await api.get(`/api/v1/tasks/${secret.task_id}`, { token: alice.access_token })).body;
    expect(seen).toMatchObject({ status: "queued", worker_id: null, ran_on: null, result: null });
  });

  it("runs the recipient's tasks once accepted, over pull and push, and says whose machine ran them", async ({
    server,
    api,
  }) => {
    const { mallory, worker } = await evilWorker(api, "evil-2");
    const bob = await createUser(api);
    expect((await offer(api, mallory, worker.worker_id, bob)).status).toBe(202);
    const pulled = await createTask(api, bob.access_token, { tool: "ollama" });
    const accepted = await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, {
      token: bob.access_token,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({
      worker_id: worker.worker_id,
      role: "operator",
      owner_username: mallory.username,
    });

    const claim = await pull(api, mallory.key, worker.worker_id);
    expect(claim.status).toBe(200);
    expect(claim.body.task_id).toBe(pulled.task_id);
    const done = await api.post(
      `/api/v1/tasks/${pulled.task_id}/complete`,
      { attempt_token: claim.body.attempt_token, result: { output: "done on mallory's box" } },
      { token: mallory.key },
    );
    expect(done.status).toBe(200);
    const view = (await api.get(`/api/v1/tasks/${pulled.task_id}`, { token: bob.access_token })).body;
    expect(view).toMatchObject({ status: "completed", worker_id: worker.worker_id });
    expect(view.ran_on).toEqual({
      worker_id: worker.worker_id,
      machine_name: "test box",
      owner_user_id: mallory.user_id,
      owner_username: mallory.username,
    });

    const pushed = await createTask(api, bob.access_token, { tool: "ollama" });
    const socket = await socketAfterFill(server.url, mallory.key, worker.worker_id, "evil-2");
    try {
      expect(assigned(socket)).toEqual([pushed.task_id]);
      // Pinning to the accepted worker is allowed now.
      const pinned = await api.post(
        "/api/v1/tasks",
        { description: "pinned", tool: "ollama", worker_id: worker.worker_id },
        { token: bob.access_token },
      );
      expect(pinned.status).toBe(201);
    } finally {
      await socket.close();
    }
  });

  it("lets the member leave: their tasks stop going there and the ones it holds are handed back", async ({
    server,
    api,
  }) => {
    const { mallory, worker } = await evilWorker(api, "evil-3");
    const carol = await createUser(api);
    await offer(api, mallory, worker.worker_id, carol);
    await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: carol.access_token });
    const held = await createTask(api, carol.access_token, { tool: "ollama" });
    const claim = await pull(api, mallory.key, worker.worker_id);
    expect(claim.body.task_id).toBe(held.task_id);
    const started = await api.post(
      `/api/v1/tasks/${held.task_id}/start`,
      { attempt_token: claim.body.attempt_token },
      { token: mallory.key },
    );
    expect(started.status).toBe(200);

    // Carol (not the owner) ends the share herself.
    const left = await api.delete(`/api/v1/workers/${worker.worker_id}/share/${carol.user_id}`, {
      token: carol.access_token,
    });
    expect(left.status).toBe(204);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: carol.access_token })).status).toBe(404);

    // The task it held is back in the queue, fenced off from mallory's worker, which is told to stop it.
    const back = (await api.get(`/api/v1/tasks/${held.task_id}`, { token: carol.access_token })).body;
    expect(back).toMatchObject({ status: "queued", worker_id: null, ran_on: null, attempt: 1 });
    const late = await api.post(
      `/api/v1/tasks/${held.task_id}/complete`,
      { attempt_token: claim.body.attempt_token, result: { output: "FORGED after leaving" } },
      { token: mallory.key },
    );
    expect(late.status).toBe(409);
    const beat = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [held.task_id] },
      { token: mallory.key },
    );
    expect(beat.body.cancel_task_ids).toEqual([held.task_id]);

    // Nothing of carol's reaches the worker any more, by pull or by push.
    expect((await pull(api, mallory.key, worker.worker_id)).status).toBe(204);
    const socket = await socketAfterFill(server.url, mallory.key, worker.worker_id, "evil-3");
    expect(assigned(socket)).toEqual([]);
    await socket.close();
  });

  it("lets the owner end a share: the connected worker is told to stop the member's task", async ({ server, api }) => {
    const { mallory, worker } = await evilWorker(api, "evil-4");
    const dave = await createUser(api);
    await offer(api, mallory, worker.worker_id, dave);
    await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: dave.access_token });
    const task = await createTask(api, dave.access_token, { tool: "ollama" });
    const socket = await socketAfterFill(server.url, mallory.key, worker.worker_id, "evil-4");
    try {
      expect(assigned(socket)).toEqual([task.task_id]);
      const ended = await api.delete(`/api/v1/workers/${worker.worker_id}/share/${dave.user_id}`, {
        token: mallory.access_token,
      });
      expect(ended.status).toBe(204);
      const cancel = await socket.next((message) => message.type === "task.cancel");
      expect(cancel.data.task_id).toBe(task.task_id);
      // Not started: the attempt is given back, as for an offer never answered.
      const back = (await api.get(`/api/v1/tasks/${task.task_id}`, { token: dave.access_token })).body;
      expect(back).toMatchObject({ status: "queued", attempt: 0, ran_on: null });
    } finally {
      await socket.close();
    }
  });

  it("refuses reports on a task whose owner's share ended, even when the hand-back missed it (a racing claim)", async ({
    server,
    api,
  }) => {
    const { mallory, worker } = await evilWorker(api, "evil-6");
    const frank = await createUser(api);
    await offer(api, mallory, worker.worker_id, frank);
    await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: frank.access_token });
    const task = await createTask(api, frank.access_token, { tool: "ollama" });
    const claim = await pull(api, mallory.key, worker.worker_id);
    expect(claim.body.task_id).toBe(task.task_id);
    // What a claim that read the membership just before the share ended leaves behind: the task still
    // held under a current token, the membership gone.
    await server.resources.db.execute(
      sql`delete from user_workers where worker_id = ${worker.worker_id}::uuid and user_id = ${frank.user_id}::uuid`,
    );
    for (const verb of ["start", "complete"]) {
      const report = await api.post(
        `/api/v1/tasks/${task.task_id}/${verb}`,
        { attempt_token: claim.body.attempt_token, ...(verb === "complete" ? { result: { output: "FORGED" } } : {}) },
        { token: mallory.key },
      );
      expect(report.status).toBe(409);
      expect(report.body.detail).toContain("share ended");
    }
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: frank.access_token })).body).toMatchObject({
      status: "assigned",
      result: null,
    });
  });

  it("makes a wider role a new offer: the member holds nothing until they accept it", async ({ api }) => {
    const { mallory, worker } = await evilWorker(api, "evil-5");
    const erin = await createUser(api);
    await offer(api, mallory, worker.worker_id, erin, "viewer");
    await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: erin.access_token });
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: erin.access_token })).body.role).toBe(
      "viewer",
    );
    await createTask(api, erin.access_token, { tool: "ollama" });

    // Viewer to operator is a wider role: a fresh offer, and until it is accepted erin's task stays put.
    const widened = await offer(api, mallory, worker.worker_id, erin, "operator");
    expect(widened.status).toBe(202);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: erin.access_token })).status).toBe(404);
    expect((await pull(api, mallory.key, worker.worker_id)).status).toBe(204);
    await api.post(`/api/v1/workers/${worker.worker_id}/share/accept`, undefined, { token: erin.access_token });
    expect((await pull(api, mallory.key, worker.worker_id)).status).toBe(200);

    // Narrowing applies at once (it takes powers away), and is answered as such.
    const narrowed = await offer(api, mallory, worker.worker_id, erin, "viewer");
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toEqual({ status: "accepted" });
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: erin.access_token })).body.role).toBe(
      "viewer",
    );
  });
});
