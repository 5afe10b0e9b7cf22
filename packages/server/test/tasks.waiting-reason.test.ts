// Why a queued task waits, as the task API says it (`waiting_reason`), for each reason, on real workers
// registered over HTTP and a clock the test moves. The wording of each reason is unit-tested beside the
// function (src/tasks/waiting-reason.test.ts); here: that the API computes it from the real fleet.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { createTask, manualClock, pull, registerWorker, report } from "./queue.support.ts";

const clock = manualClock(new Date("2026-12-01T12:00:00.000Z"));

const it = serverTest({ clock, settings: { accessTokenTtlSeconds: 30 * 24 * 3600 } })
  .extend("owner", ({ api }) => createUserWithKey(api))
  .extend("reasonOf", ({ api, owner }) => {
    return async (taskId: string) =>
      (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.key })).body.waiting_reason as {
        code: string;
        message: string;
        until: string | null;
      } | null;
  });

describe.skipIf(postgresStackMissing())("waiting reasons", () => {
  it("none while some worker could take the task, nor once it runs", async ({ api, owner, reasonOf }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    const task = await createTask(api, owner.key);
    expect(task.waiting_reason).toBeNull();
    expect(await reasonOf(task.task_id)).toBeNull();
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    expect(claimed).toMatchObject({ task_id: task.task_id, status: "assigned", waiting_reason: null });
    expect(await reasonOf(task.task_id)).toBeNull();
  });

  it("no_online_worker, then no_worker_with_tool, model_not_offered and requirements_unmet", async ({
    api,
    owner,
    reasonOf,
  }) => {
    const ollama = await createTask(api, owner.key, { tool: "ollama", model: "qwen3" });
    expect(ollama.waiting_reason).toMatchObject({ code: "no_online_worker" });

    await registerWorker(api, owner.key, { tools: [{ name: "claude_code", models: ["sonnet"] }] });
    expect(await reasonOf(ollama.task_id)).toEqual({
      code: "no_worker_with_tool",
      message: "no online worker offers Ollama",
      until: null,
    });
    const opus = await createTask(api, owner.key, { tool: "claude_code", model: "claude-opus-4-6" });
    expect(await reasonOf(opus.task_id)).toMatchObject({
      code: "model_not_offered",
      message: "no online worker offers model claude-opus-4-6 for Claude Code (test box offers sonnet)",
    });
    const gpu = await createTask(api, owner.key, { tool: "claude_code", requirements: { labels: ["gpu"] } });
    expect(await reasonOf(gpu.task_id)).toMatchObject({ code: "requirements_unmet" });

    // The list says the same, in one request, and nothing for a task that is not queued.
    const page = await api.get("/api/v1/tasks?limit=10", { token: owner.key });
    const codes = Object.fromEntries(
      page.body.items.map((item: { task_id: string; waiting_reason: { code: string } | null }) => [
        item.task_id,
        item.waiting_reason?.code ?? null,
      ]),
    );
    expect(codes).toEqual({
      [ollama.task_id]: "no_worker_with_tool",
      [opus.task_id]: "model_not_offered",
      [gpu.task_id]: "requirements_unmet",
    });
    await api.post(`/api/v1/tasks/${gpu.task_id}/cancel`, undefined, { token: owner.key });
    expect(await reasonOf(gpu.task_id)).toBeNull();
  });

  it("workers_busy while the only worker's slot is taken, then none once it is free", async ({
    api,
    owner,
    reasonOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["shell"] });
    const first = await createTask(api, owner.key, { tool: "shell" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    expect(claimed.task_id).toBe(first.task_id);
    const second = await createTask(api, owner.key, { tool: "shell" });
    expect(await reasonOf(second.task_id)).toEqual({
      code: "workers_busy",
      message: "the one worker that can run it is busy: test box has no free slot (1 of 1)",
      until: null,
    });
    await report(api, owner.key, first.task_id, "complete", {
      attempt_token: claimed.attempt_token,
      result: { output: "" },
    });
    expect(await reasonOf(second.task_id)).toBeNull();
  });

  it("backoff after a failed attempt, with its error and when it retries", async ({ api, owner, reasonOf }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["gemini_api"] });
    const task = await createTask(api, owner.key, { tool: "gemini_api" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    await report(api, owner.key, task.task_id, "fail", {
      attempt_token: claimed.attempt_token,
      error: "HTTP 500 from the model\nretry later",
    });
    expect(await reasonOf(task.task_id)).toEqual({
      code: "backoff",
      message: "attempt 1 failed: HTTP 500 from the model; retrying in 5 s",
      until: new Date(clock.now().getTime() + 5_000).toISOString(),
    });
    clock.advance(5);
    expect(await reasonOf(task.task_id)).toBeNull();
  });

  it("pinned_worker_unavailable once the pinned worker goes offline", async ({ server, api, owner, reasonOf }) => {
    const pinned = await registerWorker(api, owner.key, { tools: ["codex_cli"] });
    await registerWorker(api, owner.key, { tools: ["codex_cli"] });
    const task = await createTask(api, owner.key, { tool: "codex_cli", worker_id: pinned.worker_id });
    expect(await reasonOf(task.task_id)).toBeNull();
    clock.advance(60); // three heartbeat intervals of silence: the reaper marks both workers offline
    await server.reaper.runOnce(clock.now());
    expect(await reasonOf(task.task_id)).toEqual({
      code: "pinned_worker_unavailable",
      message: "pinned to test box, which is offline",
      until: null,
    });
  });
});
