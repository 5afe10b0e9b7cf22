// Push offers with a deadline: a worker that neither accepts nor rejects a pushed task within the offer
// timeout loses it to the next worker, as the same attempt with a fresh token; an answer in time keeps it.
// The offer deadlines run on the test's clock: the test moves it past them instead of waiting.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { createTask, manualClock, registerWorker } from "./queue.support.ts";

const clock = manualClock();
const it = serverTest({ settings: { offerTimeoutSeconds: 1 }, clock, timers: clock });

describe.skipIf(postgresStackMissing())("push offers time out", () => {
  async function connect(
    server: { url: string },
    api: Parameters<typeof registerWorker>[0],
    key: string,
    tool: string,
    machineId: string,
  ): Promise<Peer> {
    const tools = [{ name: tool, version: "1.0.0", models: [], healthy: true }];
    const worker = await registerWorker(api, key, { tools, machine_id: machineId });
    return connectWorker(server.url, key, { worker_id: worker.worker_id, machine_id: machineId, tools });
  }

  it("offers an unanswered task to the next worker, as the same attempt, and fences the silent one off", async ({
    server,
    api,
    user,
    key,
  }) => {
    const silent = await connect(server, api, key, "codex_cli", "machine-silent");
    const peers = [silent];
    try {
      const task = await createTask(api, user.access_token, { tool: "codex_cli" });
      const offer = await silent.next((message) => message.type === "task.assign");
      expect(offer.data).toMatchObject({ task_id: task.task_id, attempt: 1 });
      const next = await connect(server, api, key, "codex_cli", "machine-next");
      peers.push(next);
      expect(server.dispatcher.offers.isOpen(task.task_id)).toBe(true);
      expect(next.received.filter((message) => message.type === "task.assign")).toEqual([]);

      await clock.tick(1);
      expect(server.dispatcher.offers.isOpen(task.task_id)).toBe(false);

      const again = await next.next(
        (message) => message.type === "task.assign" && message.data.task_id === task.task_id,
      );
      expect(again.data.attempt).toBe(1);
      expect(again.data.attempt_token).not.toBe(offer.data.attempt_token);
      const cancel = await silent.next((message) => message.type === "task.cancel");
      expect(cancel.data).toEqual({ task_id: task.task_id, reason: "offer not answered within 1 s" });

      // The silent worker's late accept is refused; the next worker's goes through.
      const late = silent.send("task.accept", { task_id: task.task_id, attempt_token: offer.data.attempt_token });
      expect((await silent.next((message) => message.id === late)).data.ok).toBe(false);
      const accepted = next.send("task.accept", { task_id: task.task_id, attempt_token: again.data.attempt_token });
      expect((await next.next((message) => message.id === accepted)).data).toEqual({ ok: true });
      const seen = (await api.get(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).body;
      expect(seen).toMatchObject({ status: "running", attempt: 1 });
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
    }
  });

  it("leaves an accepted task with its worker past the offer timeout", async ({ server, api, user, key }) => {
    const worker = await connect(server, api, key, "gemini_cli", "machine-prompt");
    try {
      const task = await createTask(api, user.access_token, { tool: "gemini_cli" });
      const offer = await worker.next((message) => message.type === "task.assign");
      const accepted = worker.send("task.accept", { task_id: task.task_id, attempt_token: offer.data.attempt_token });
      expect((await worker.next((message) => message.id === accepted)).data).toEqual({ ok: true });

      // Twice the offer timeout: nothing takes it back.
      expect(server.dispatcher.offers.isOpen(task.task_id)).toBe(false);
      await clock.tick(2);
      expect(worker.received.filter((message) => message.type === "task.cancel")).toEqual([]);
      const done = worker.send("task.complete", {
        task_id: task.task_id,
        attempt_token: offer.data.attempt_token,
        result: { output: "ok" },
      });
      expect((await worker.next((message) => message.id === done)).data).toEqual({ ok: true });
    } finally {
      await worker.close();
    }
  });
});
