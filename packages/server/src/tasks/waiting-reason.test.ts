import type { WorkerTool } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { type RunnableWorker, type WaitingTask, waitingReason } from "./waiting-reason.ts";

const now = new Date("2026-12-01T12:00:00.000Z");

function task(overrides: Partial<WaitingTask> = {}): WaitingTask {
  return {
    status: "queued",
    tools: ["claude_code"],
    model: null,
    requirements: {},
    pinned_worker_id: null,
    available_at: now,
    attempt: 0,
    error: null,
    parked: null,
    ...overrides,
  };
}

function tool(name: WorkerTool["name"], overrides: Partial<WorkerTool> = {}): WorkerTool {
  return { name, version: "1.0", models: [], healthy: true, ...overrides };
}

function worker(name: string, overrides: Partial<RunnableWorker> = {}): RunnableWorker {
  return {
    worker_id: `id-${name}`,
    machine_name: name,
    status: "online",
    draining: false,
    tools: [tool("claude_code")],
    labels: [],
    capacity: {},
    slots: 1,
    running_tasks: 0,
    held_by_tool: {},
    ...overrides,
  };
}

describe("waiting reason", () => {
  it("is null for a task that is not queued, and for one a worker could take now", () => {
    expect(waitingReason(task({ status: "running" }), [], now)).toBeNull();
    expect(waitingReason(task({ status: "completed" }), [], now)).toBeNull();
    expect(waitingReason(task(), [worker("laptop")], now)).toBeNull();
  });

  it("backoff: names the failed attempt's first line and when it retries", () => {
    const retrying = task({
      attempt: 1,
      error: "exit 1: boom\nstack trace…",
      available_at: new Date(now.getTime() + 8_000),
    });
    expect(waitingReason(retrying, [worker("laptop")], now)).toEqual({
      code: "backoff",
      message: "attempt 1 failed: exit 1: boom; retrying in 8 s",
      until: "2026-12-01T12:00:08.000Z",
    });
  });

  it("tool_limited: a task parked by a usage limit waits for its reset on that worker", () => {
    const parked = task({
      available_at: new Date("2026-12-01T19:00:30.000Z"),
      error: "usage limit: You've hit your limit",
      parked: {
        worker_id: "id-laptop",
        tool: "claude_code",
        kind: "usage_limit",
        message: "You've hit your limit",
        until: "2026-12-01T19:00:00.000Z",
      },
    });
    expect(waitingReason(parked, [worker("laptop")], now)).toEqual({
      code: "tool_limited",
      message: "waiting for the Claude Code limit to reset at 19:00 UTC on laptop",
      until: "2026-12-01T19:00:30.000Z",
    });
  });

  it("tool_limited: every worker's tool is limited; the earliest reset is named", () => {
    const workers = [
      worker("laptop", { tools: [tool("claude_code", { limited_until: "2026-12-02T08:00:00.000Z" })] }),
      worker("desktop", { tools: [tool("claude_code", { limited_until: "2026-12-01T19:00:00.000Z" })] }),
    ];
    expect(waitingReason(task(), workers, now)).toEqual({
      code: "tool_limited",
      message: "waiting for the Claude Code limit to reset at 19:00 UTC on desktop",
      until: "2026-12-01T19:00:00.000Z",
    });
    const later = waitingReason(task(), [workers[0] as RunnableWorker], now);
    expect(later?.message).toBe("waiting for the Claude Code limit to reset at 2026-12-02 08:00 UTC on laptop");
  });

  it("a limit already passed is no limit", () => {
    const passed = worker("laptop", { tools: [tool("claude_code", { limited_until: "2026-12-01T11:00:00.000Z" })] });
    expect(waitingReason(task(), [passed], now)).toBeNull();
  });

  it("a failover list runs on the next tool while the first is limited", () => {
    const laptop = worker("laptop", {
      tools: [tool("claude_code", { limited_until: "2026-12-01T19:00:00.000Z" }), tool("codex_cli")],
    });
    expect(waitingReason(task({ tools: ["claude_code", "codex_cli"] }), [laptop], now)).toBeNull();
  });

  it("pinned_worker_unavailable: offline, draining, or no longer the user's", () => {
    const pinned = task({ pinned_worker_id: "id-laptop" });
    expect(waitingReason(pinned, [worker("laptop", { status: "offline" }), worker("desktop")], now)).toMatchObject({
      code: "pinned_worker_unavailable",
      message: "pinned to laptop, which is offline",
    });
    expect(waitingReason(pinned, [worker("laptop", { draining: true })], now)?.message).toBe(
      "pinned to laptop, which is draining",
    );
    expect(waitingReason(pinned, [worker("desktop")], now)?.code).toBe("pinned_worker_unavailable");
  });

  it("no_online_worker: none at all, or all offline", () => {
    expect(waitingReason(task(), [], now)?.code).toBe("no_online_worker");
    expect(waitingReason(task(), [worker("laptop", { status: "offline" })], now)).toEqual({
      code: "no_online_worker",
      message: "no worker of yours is online (laptop is offline)",
      until: null,
    });
  });

  it("no_worker_with_tool: not offered, or offered but not in working order", () => {
    expect(waitingReason(task({ tools: ["ollama"] }), [worker("laptop")], now)?.message).toBe(
      "no online worker offers Ollama",
    );
    expect(
      waitingReason(task({ tools: ["ollama", "gemini_cli", "codex_cli"] }), [worker("laptop")], now)?.message,
    ).toBe("no online worker offers Ollama, Gemini CLI or Codex CLI");
    const signedOut = worker("laptop", { tools: [tool("claude_code", { healthy: false, auth: "not_logged_in" })] });
    expect(waitingReason(task(), [signedOut], now)).toMatchObject({
      code: "no_worker_with_tool",
      message: "no online worker offers Claude Code in working order: Claude Code is not logged in on laptop",
    });
  });

  it("model_not_offered: no tool takes the model, unless it accepts any model", () => {
    const laptop = worker("laptop", { tools: [tool("claude_code", { models: ["sonnet", "opus", "haiku"] })] });
    expect(waitingReason(task({ model: "claude-opus-4-6" }), [laptop], now)).toEqual({
      code: "model_not_offered",
      message: "no online worker offers model claude-opus-4-6 for Claude Code (laptop offers sonnet, opus, haiku)",
      until: null,
    });
    const anyModel = worker("laptop", {
      tools: [tool("claude_code", { models: ["sonnet"], any_model: true })],
    });
    expect(waitingReason(task({ model: "claude-opus-4-6" }), [anyModel], now)).toBeNull();
  });

  it("requirements_unmet: labels, cpu cores, memory", () => {
    expect(waitingReason(task({ requirements: { labels: ["gpu"] } }), [worker("laptop")], now)).toMatchObject({
      code: "requirements_unmet",
      message: "no online worker with Claude Code meets the task's requirements: laptop lacks the label gpu",
    });
    const small = worker("laptop", { capacity: { memory_gb: 8 } });
    expect(waitingReason(task({ requirements: { min_memory_gb: 32 } }), [small], now)?.message).toContain(
      "laptop has 8 of the 32 GB of memory asked for",
    );
  });

  it("workers_busy: slots full, draining, or the tool at its cap", () => {
    const full = worker("laptop", { running_tasks: 1, held_by_tool: { shell: 1 } });
    expect(waitingReason(task(), [full], now)).toEqual({
      code: "workers_busy",
      message: "the one worker that can run it is busy: laptop has no free slot (1 of 1)",
      until: null,
    });
    const capped = worker("desktop", {
      slots: 4,
      running_tasks: 2,
      held_by_tool: { claude_code: 2 },
      tools: [tool("claude_code", { max_concurrent: 2 })],
    });
    const draining = worker("server", { draining: true });
    expect(waitingReason(task(), [full, capped, draining], now)?.message).toBe(
      "all 3 workers that can run it are busy: laptop has no free slot (1 of 1); desktop runs Claude Code at its cap of 2; server is draining",
    );
  });
});
