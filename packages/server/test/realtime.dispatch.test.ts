// Push dispatch when a worker frees a slot: the next queued task follows at once, and a task no hint
// announced (a retry whose backoff ended) still reaches an idle worker through the sweep. Tasks created
// together are ranked as if one after the other's claim. The clock is the test's: a task never ages past
// the sweep's age unless the test moves it.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { createTask, manualClock, registerWorker } from "./queue.support.ts";

const clock = manualClock();

const it = serverTest({ clock })
  .extend("owner", { scope: "file" }, ({ user, key }) => ({ ...user, key }))
  // A worker of the owner's with one tool, connected and welcomed.
  .extend("connect", { scope: "file" }, ({ server, api, owner }) => {
    return async (tool: string, machine_id = `machine-${tool}`, slots = 1): Promise<Peer> => {
      const tools = [{ name: tool, version: "1.0.0", models: [], healthy: true }];
      const worker = await registerWorker(api, owner.key, { tools, machine_id, slots });
      return connectWorker(server.url, owner.key, { worker_id: worker.worker_id, machine_id, tools, slots });
    };
  });

describe.skipIf(postgresStackMissing())("push dispatch on a freed slot", () => {
  const assignments = (peer: Peer) => peer.received.filter((message) => message.type === "task.assign");

  it("hands a task created while the worker was busy to it when it completes, without the clock moving", async ({
    server,
    api,
    owner,
    connect,
  }) => {
    const peer = await connect("shell");
    try {
      const first = await createTask(api, owner.access_token, { tool: "shell" });
      const assigned = await peer.next((message) => message.type === "task.assign");
      expect(assigned.data.task_id).toBe(first.task_id);
      const second = await createTask(api, owner.access_token, { tool: "shell" });
      await server.resources.bus.publish("noop", {});
      expect(assignments(peer)).toHaveLength(1);

      const done = peer.send("task.complete", {
        task_id: first.task_id,
        attempt_token: assigned.data.attempt_token,
        result: { output: "ok" },
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === done)).data).toEqual({ ok: true });
      const next = await peer.next(
        (message) => message.type === "task.assign" && message.data.task_id === second.task_id,
      );
      expect(next.data.attempt).toBe(1);
      // Its score is written in a batch after the push; the task page shows it was a freed slot's claim.
      let score: Record<string, unknown> | null = null;
      for (let i = 0; i < 100 && !score; i++) {
        score = (await api.get(`/api/v1/tasks/${second.task_id}`, { token: owner.access_token })).body.score;
        if (!score) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(score).toMatchObject({ via: "free_slot", rank: 1, candidates: 1 });
    } finally {
      await peer.close();
    }
  });

  it("keeps filling a worker whose heartbeat, sent before its completion was acked, still lists the finished task", async ({
    api,
    owner,
    connect,
  }) => {
    // A busy worker nearly always has a task awaiting its completion ack when it heartbeats, so the beat
    // lists a task the server has just seen completed. That task must not count against its slot again.
    const peer = await connect("anthropic");
    try {
      const first = await createTask(api, owner.access_token, { tool: "anthropic" });
      const assigned = await peer.next((message) => message.type === "task.assign");
      const done = peer.send("task.complete", {
        task_id: first.task_id,
        attempt_token: assigned.data.attempt_token,
        result: { output: "ok" },
      });
      const beat = peer.send("heartbeat", {
        cpu_percent: 1,
        memory_percent: 1,
        disk_percent: 1,
        running_task_ids: [first.task_id],
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === done)).data).toEqual({ ok: true });
      expect((await peer.next((message) => message.type === "ack" && message.id === beat)).data).toEqual({ ok: true });

      const second = await createTask(api, owner.access_token, { tool: "anthropic" });
      const next = await peer.next(
        (message) => message.type === "task.assign" && message.data.task_id === second.task_id,
      );
      expect(next.data.attempt).toBe(1);
    } finally {
      await peer.close();
    }
  });

  it("gives one queued task to one of two workers finishing together, and the next task to the other", async ({
    api,
    owner,
    connect,
  }) => {
    const peers = [await connect("gemini_cli", "machine-a"), await connect("gemini_cli", "machine-b")];
    try {
      const assignedTo = async (taskId: string) => {
        const waits = peers.map((peer) =>
          peer.next((message) => message.type === "task.assign" && message.data.task_id === taskId, 15_000),
        );
        const assign = await Promise.any(waits);
        return { peer: peers.find((peer) => peer.received.includes(assign))!, assign };
      };
      const first = await assignedTo((await createTask(api, owner.access_token, { tool: "gemini_cli" })).task_id);
      const second = await assignedTo((await createTask(api, owner.access_token, { tool: "gemini_cli" })).task_id);
      expect(first.peer).not.toBe(second.peer);
      const third = await createTask(api, owner.access_token, { tool: "gemini_cli" });

      for (const { peer, assign } of [first, second]) {
        peer.send("task.complete", {
          task_id: assign.data.task_id,
          attempt_token: assign.data.attempt_token,
          result: { output: "ok" },
        });
      }
      const got = await assignedTo(third.task_id);
      const fourth = await createTask(api, owner.access_token, { tool: "gemini_cli" });
      const other = await assignedTo(fourth.task_id);
      expect(other.peer).not.toBe(got.peer);
      const thirds = peers.flatMap((peer) => peer.received).filter((m) => m.data?.task_id === third.task_id);
      expect(thirds.filter((message) => message.type === "task.assign")).toHaveLength(1);
    } finally {
      for (const peer of peers) await peer.close();
    }
  });

  it("gives a retried task, which no hint announces, to the idle worker once its backoff has passed", async ({
    api,
    owner,
    connect,
  }) => {
    const peer = await connect("codex_cli");
    try {
      const task = await createTask(api, owner.access_token, { tool: "codex_cli", max_attempts: 2 });
      const assigned = await peer.next((message) => message.type === "task.assign");
      const failed = peer.send("task.fail", {
        task_id: task.task_id,
        attempt_token: assigned.data.attempt_token,
        error: "flaky",
        retryable: true,
      });
      expect((await peer.next((message) => message.type === "ack" && message.id === failed)).data).toEqual({
        ok: true,
      });
      expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: owner.access_token })).body.status).toBe(
        "queued",
      );

      clock.advance(60); // past the backoff and the sweep's age
      const retried = await peer.next(
        (message) =>
          message.type === "task.assign" && message.data.task_id === task.task_id && message.data.attempt === 2,
        20_000,
      );
      expect(retried.data.attempt_token).not.toBe(assigned.data.attempt_token);
    } finally {
      await peer.close();
    }
  });
});

describe.skipIf(postgresStackMissing())("push dispatch of tasks created together", () => {
  it("gives two tasks created at once to two idle two-slot workers, one each, as the balance weight says", async ({
    api,
    owner,
    connect,
  }) => {
    // Whether the second hint shares the first one's candidate list or reads its own after the first
    // claim, the first worker then holds a task and the other is the better fit.
    const peers = [await connect("ollama", "machine-c", 2), await connect("ollama", "machine-d", 2)];
    try {
      const tasks = await Promise.all([
        createTask(api, owner.access_token, { tool: "ollama" }),
        createTask(api, owner.access_token, { tool: "ollama" }),
      ]);
      const holders = await Promise.all(
        tasks.map(async (task) => {
          const waits = peers.map((peer) =>
            peer.next((message) => message.type === "task.assign" && message.data.task_id === task.task_id, 15_000),
          );
          const assign = await Promise.any(waits);
          return peers.find((peer) => peer.received.includes(assign));
        }),
      );
      expect(holders[0]).toBeDefined();
      expect(holders[1]).toBeDefined();
      expect(holders[0]).not.toBe(holders[1]);
      for (const task of tasks) {
        const score = (await api.get(`/api/v1/tasks/${task.task_id}`, { token: owner.access_token })).body.score;
        expect(score).toMatchObject({ via: "allocator", rank: 1, balance: 1 });
      }
    } finally {
      for (const peer of peers) await peer.close();
    }
  });
});
