// Usage limits, preference lists and per-tool caps in push mode, over real WebSockets on a clock the test
// moves: the allocator passes over limited tools and tools at their cap (and says so in its breakdown), a
// limit reported with `task.fail` parks the task, and a parked task comes back with its session to resume.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { createTask, manualClock, registerWorker } from "./queue.support.ts";

const clock = manualClock(new Date("2026-12-01T12:00:00.000Z"));
const inSeconds = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString();

type Tool = { name: string } & Record<string, unknown>;

const it = serverTest({ clock, settings: { accessTokenTtlSeconds: 30 * 24 * 3600 } })
  .extend("owner", ({ api }) => createUserWithKey(api))
  // A worker of the owner's with these tools, connected and welcomed.
  .extend("connect", ({ server, api, owner }) => {
    return async (tools: Tool[], slots = 1, machine_id = `machine-${Math.random()}`) => {
      const entries = tools.map((tool) => ({ version: "1.0.0", models: [], healthy: true, ...tool }));
      const worker = await registerWorker(api, owner.key, { tools: entries, machine_id, slots });
      const peer = await connectWorker(server.url, owner.key, {
        worker_id: worker.worker_id,
        machine_id,
        tools: entries,
        slots,
      });
      return { peer, worker_id: worker.worker_id, machine_id, tools: entries };
    };
  })
  .extend("taskOf", ({ api, owner }) => {
    return async (taskId: string) => (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.key })).body;
  });

const assignOf = (peer: Peer, taskId: string, timeoutMs = 10_000) =>
  peer.next((message) => message.type === "task.assign" && message.data.task_id === taskId, timeoutMs);

async function answered(peer: Peer, id: string) {
  return (await peer.next((message) => message.type === "ack" && message.id === id)).data;
}

/** The allocator's breakdown is written with the claim, or right after it for a freed slot's claim. */
async function scoreOf(taskOf: (id: string) => Promise<{ score: Record<string, unknown> | null }>, taskId: string) {
  for (let i = 0; i < 100; i++) {
    const { score } = await taskOf(taskId);
    if (score) return score;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

describe.skipIf(postgresStackMissing())("usage limits and caps in push mode", () => {
  it("pushes no more of a tool than its cap, and runs a list's next tool on the same worker", async ({
    server,
    api,
    owner,
    connect,
    taskOf,
  }) => {
    const { peer } = await connect([{ name: "claude_code", max_concurrent: 1 }, { name: "codex_cli" }], 3);
    try {
      const first = await createTask(api, owner.key, { tool: "claude_code" });
      await assignOf(peer, first.task_id);
      const second = await createTask(api, owner.key, { tool: "claude_code" });
      const either = await createTask(api, owner.key, { tool: ["claude_code", "codex_cli"] });
      const onCodex = await assignOf(peer, either.task_id);
      expect(onCodex.data.tool).toBe("codex_cli");
      await server.resources.bus.publish("noop", {});
      expect(peer.received.filter((message) => message.data?.task_id === second.task_id)).toEqual([]);
      expect(await taskOf(second.task_id)).toMatchObject({
        status: "queued",
        waiting_reason: {
          code: "workers_busy",
          message: "the one worker that can run it is busy: test box runs Claude Code at its cap of 1",
        },
      });
      expect(await scoreOf(taskOf, either.task_id)).toMatchObject({
        tool: "codex_cli",
        passed_over: [{ tool: "claude_code", reason: "claude_code is at its cap of 1" }],
      });
    } finally {
      await peer.close();
    }
  });

  it("parks a task on a limit reported over the socket, and the allocator passes over the limited tool", async ({
    server,
    api,
    owner,
    connect,
    taskOf,
  }) => {
    const laptop = await connect([{ name: "gemini_cli" }]);
    const peers = [laptop.peer];
    try {
      const task = await createTask(api, owner.key, { tool: "gemini_cli", max_attempts: 1 });
      const assigned = await assignOf(laptop.peer, task.task_id);
      expect(assigned.data.resume_session_id).toBeNull();
      const reset = inSeconds(3600);
      const failed = laptop.peer.send("task.fail", {
        task_id: task.task_id,
        attempt_token: assigned.data.attempt_token,
        error: "quota exhausted",
        retryable: true,
        limit: { kind: "quota", resets_at: reset, message: "RESOURCE_EXHAUSTED" },
        session_id: "gemini-1",
      });
      expect(await answered(laptop.peer, failed)).toEqual({ ok: true });
      expect(await taskOf(task.task_id)).toMatchObject({ status: "queued", attempt: 1, limited_attempts: 1 });

      // The worker reconnects and says hello with its tools, knowing nothing of the limit: it stands.
      await laptop.peer.close();
      laptop.peer = await connectWorker(server.url, owner.key, {
        worker_id: laptop.worker_id,
        machine_id: laptop.machine_id,
        tools: laptop.tools,
      });
      peers.push(laptop.peer);
      const tools = (await api.get(`/api/v1/workers/${laptop.worker_id}`, { token: owner.key })).body.tools;
      expect(tools).toEqual([
        expect.objectContaining({ name: "gemini_cli", limited_until: reset, limit_message: "RESOURCE_EXHAUSTED" }),
      ]);

      // A new task for the same tool goes to the other worker: the limited one is passed over, and why.
      const desktop = await connect([{ name: "gemini_cli" }]);
      peers.push(desktop.peer);
      const next = await createTask(api, owner.key, { tool: "gemini_cli" });
      await assignOf(desktop.peer, next.task_id);
      expect(await scoreOf(taskOf, next.task_id)).toMatchObject({
        via: "allocator",
        tool: "gemini_cli",
        rejected: [{ worker_id: laptop.worker_id, reason: `gemini_cli is limited until ${reset}` }],
      });
      expect(laptop.peer.received.filter((message) => message.data?.task_id === next.task_id)).toEqual([]);
    } finally {
      for (const peer of peers) await peer.close();
    }
  });

  it("fails a task over to the next tool at once, and resumes a waiting one's session after the reset", async ({
    api,
    owner,
    connect,
    taskOf,
  }) => {
    const { peer } = await connect([{ name: "claude_code" }, { name: "codex_cli" }]);
    try {
      const failover = await createTask(api, owner.key, { tool: ["claude_code", "codex_cli"], on_limit: "failover" });
      const onClaude = await assignOf(peer, failover.task_id);
      expect(onClaude.data.tool).toBe("claude_code");
      const limit = { kind: "usage_limit", resets_at: inSeconds(120), message: "You've hit your limit" };
      const failed = peer.send("task.fail", {
        task_id: failover.task_id,
        attempt_token: onClaude.data.attempt_token,
        error: "You've hit your limit",
        limit,
        session_id: "claude-1",
      });
      expect(await answered(peer, failed)).toEqual({ ok: true });
      const onCodex = await peer.next(
        (message) =>
          message.type === "task.assign" && message.data.task_id === failover.task_id && message.data.attempt === 2,
      );
      expect(onCodex.data).toMatchObject({ tool: "codex_cli", resume_session_id: null });
      const done = peer.send("task.complete", {
        task_id: failover.task_id,
        attempt_token: onCodex.data.attempt_token,
        result: { output: "codex did it" },
      });
      expect(await answered(peer, done)).toEqual({ ok: true });

      // A task that waits for its tool's reset (the default policy) resumes its session on the same worker.
      const waiting = await createTask(api, owner.key, { tool: "codex_cli" });
      const onCodexFirst = await assignOf(peer, waiting.task_id);
      const codexLimit = peer.send("task.fail", {
        task_id: waiting.task_id,
        attempt_token: onCodexFirst.data.attempt_token,
        error: "usage limit",
        limit: { kind: "usage_limit", resets_at: inSeconds(60), message: "limit reached" },
        session_id: "codex-7",
      });
      expect(await answered(peer, codexLimit)).toEqual({ ok: true });
      expect((await taskOf(waiting.task_id)).waiting_reason).toMatchObject({ code: "tool_limited" });

      // Past both resets (and the sweep's age): the sweep hands it back, resuming codex's session.
      clock.advance(200);
      const resumed = await peer.next(
        (message) =>
          message.type === "task.assign" && message.data.task_id === waiting.task_id && message.data.attempt === 2,
        20_000,
      );
      expect(resumed.data).toMatchObject({ tool: "codex_cli", resume_session_id: "codex-7" });
    } finally {
      await peer.close();
    }
  });
});
