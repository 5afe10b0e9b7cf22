// A task's attempts (GET /tasks/{id}/attempts): one entry per claim with its worker, times and outcome, and
// who cancelled. Driven through the worker's real pull/report API on a clock the test moves.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { createUser } from "../../../test/support/users.ts";
import { createTask, manualClock, pull, registerWorker, report } from "./queue.support.ts";

const clock = manualClock();
const it = serverTest({ clock });

describe("task attempts", () => {
  it("a retried then cancelled task: two attempts, each with its worker, the failure, and who cancelled", async ({
    api,
    user,
    key,
  }) => {
    const first = await registerWorker(api, key, { tools: ["codex_cli"] });
    const second = await registerWorker(api, key, { tools: ["codex_cli"] });
    const task = await createTask(api, user.access_token, { tool: "codex_cli" });

    const one = (await pull(api, key, first.worker_id)).body;
    await report(api, key, task.task_id, "start", { attempt_token: one.attempt_token });
    clock.advance(12);
    const failed = await report(api, key, task.task_id, "fail", { attempt_token: one.attempt_token, error: "exit 1" });
    expect(failed.status).toBe(200);

    clock.advance(60);
    const two = (await pull(api, key, second.worker_id)).body;
    expect(two.attempt).toBe(2);
    await report(api, key, task.task_id, "start", { attempt_token: two.attempt_token });
    const live = await api.get(`/api/v1/tasks/${task.task_id}/attempts`, { token: user.access_token });
    expect(live.body.at(-1)).toMatchObject({ attempt: 2, outcome: "running", ended_at: null });

    clock.advance(3);
    expect((await api.post(`/api/v1/tasks/${task.task_id}/cancel`, {}, { token: user.access_token })).status).toBe(200);

    const response = await api.get(`/api/v1/tasks/${task.task_id}/attempts`, { token: user.access_token });
    expect(response.status).toBe(200);
    const [a, b] = response.body;
    expect(response.body).toHaveLength(2);
    expect(a).toMatchObject({
      attempt: 1,
      worker_id: first.worker_id,
      machine_name: "test box",
      tool: "codex_cli",
      outcome: "retried",
      reason: "exit 1",
      cancelled_by: null,
    });
    expect(Date.parse(a.ended_at) - Date.parse(a.started_at)).toBe(12_000);
    expect(b).toMatchObject({
      attempt: 2,
      worker_id: second.worker_id,
      outcome: "cancelled",
      reason: "cancelled by user",
      cancelled_by: { user_id: user.user_id, username: user.username, workflow_run: false },
    });
    expect(Date.parse(b.ended_at) - Date.parse(b.started_at)).toBe(3_000);
  });

  it("a completed task has one attempt; a queued one none", async ({ api, user, key }) => {
    const worker = await registerWorker(api, key, { tools: ["gemini_cli"] });
    const task = await createTask(api, user.access_token, { tool: "gemini_cli" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    await report(api, key, task.task_id, "start", { attempt_token: claimed.attempt_token });
    clock.advance(1);
    await report(api, key, task.task_id, "complete", {
      attempt_token: claimed.attempt_token,
      result: { output: "hi" },
    });
    const done = await api.get(`/api/v1/tasks/${task.task_id}/attempts`, { token: user.access_token });
    expect(done.body).toEqual([expect.objectContaining({ attempt: 1, outcome: "completed", reason: null })]);

    const waiting = await createTask(api, user.access_token, { tool: "ollama" });
    expect((await api.get(`/api/v1/tasks/${waiting.task_id}/attempts`, { token: user.access_token })).body).toEqual([]);
  });

  it("GET /tasks/{id}/output: the stored output of every attempt, in order, for the task's user only", async ({
    api,
    user,
    key,
  }) => {
    const worker = await registerWorker(api, key, { tools: ["claude_code"] });
    const task = await createTask(api, user.access_token, { tool: "claude_code" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    await report(api, key, task.task_id, "start", { attempt_token: claimed.attempt_token });
    const use = '{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"ls"}}';
    const sent = await report(api, key, task.task_id, "output", {
      attempt_token: claimed.attempt_token,
      chunks: [
        { seq: 0, stream: "event", chunk: use },
        { seq: 1, stream: "stdout", chunk: "Listed.\n" },
      ],
    });
    expect(sent.status).toBe(204);
    const stored = await api.get(`/api/v1/tasks/${task.task_id}/output`, { token: user.access_token });
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual([
      { attempt: 1, seq: 0, stream: "event", chunk: use },
      { attempt: 1, seq: 1, stream: "stdout", chunk: "Listed.\n" },
    ]);
    const stranger = await createUser(api);
    const hidden = await api.get(`/api/v1/tasks/${task.task_id}/output`, { token: stranger.access_token });
    expect(hidden.status).toBe(404);
  });

  it("answers 404 for another user's or a missing task, 400 naming a bad id", async ({ api, user }) => {
    const missing = await api.get("/api/v1/tasks/00000000-0000-4000-8000-000000000000/attempts", {
      token: user.access_token,
    });
    expect(missing.status).toBe(404);
    const bad = await api.get("/api/v1/tasks/nope/attempts", { token: user.access_token });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(JSON.stringify(bad.body)).toContain("id");
  });
});
