// Pull-mode claiming over real HTTP: exactly-once under a race, eligibility, order, long-poll.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker, shareAccepted } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("pulling tasks", () => {
  it("hands one task to exactly one of 20 workers racing for it", async ({ server, api }) => {
    const owner = await createUserWithKey(api);
    const workers = await Promise.all(Array.from({ length: 20 }, () => registerWorker(api, owner.key)));
    const task = await createTask(api, owner.access_token);

    const answers = await Promise.all(workers.map((worker) => pull(api, owner.key, worker.worker_id)));
    const winners = answers.filter((answer) => answer.status === 200);
    expect(winners).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 204)).toHaveLength(19);
    const claimed = winners[0]!.body;
    expect(claimed).toMatchObject({ task_id: task.task_id, status: "assigned", attempt: 1 });
    expect(claimed.attempt_token).toMatch(/^[0-9a-f-]{36}$/);
    expect(workers.map((worker) => worker.worker_id)).toContain(claimed.worker_id);

    const events = await server.resources.db.execute(
      sql`select count(*)::int as n from task_events where task_id = ${task.task_id} and data->>'status' = 'assigned'`,
    );
    expect((events as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(1);
  });

  it("runs the whole attempt: start, progress, complete, and the result is stored", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const task = await createTask(api, owner.access_token, { prompt: "print hello", model: "sonnet" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    const token = claimed.attempt_token;
    expect(claimed.prompt).toBe("print hello");

    const started = await api.post(
      `/api/v1/tasks/${task.task_id}/start`,
      { attempt_token: token },
      { token: owner.key },
    );
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: "running" });
    expect(started.body.started_at).not.toBeNull();

    const progress = await api.post(
      `/api/v1/tasks/${task.task_id}/progress`,
      { attempt_token: token, progress: 40, message: "halfway" },
      { token: owner.key },
    );
    expect(progress.body.progress).toBe(40);

    const result = { output: "hello", usage: { input_tokens: 3, output_tokens: 1, cost_usd: 0.001 } };
    const completed = await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: token, result },
      { token: owner.key },
    );
    expect(completed.status).toBe(200);
    const stored = await api.get(`/api/v1/tasks/${task.task_id}`, { token: owner.access_token });
    expect(stored.body).toMatchObject({ status: "completed", progress: 100, result: { output: "hello" } });
    expect(stored.body.result.usage).toEqual(result.usage);
    expect(stored.body.completed_at).not.toBeNull();

    const again = await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: token, result: { output: "twice" } },
      { token: owner.key },
    );
    expect(again.status).toBe(409);
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: owner.access_token })).body.result.output).toBe(
      "hello",
    );
  });

  it("never gives a task to a worker without its tool, model, labels or capacity", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const shellOnly = await registerWorker(api, owner.key, { tools: ["shell"] });
    const sick = await registerWorker(api, owner.key, { tools: [{ name: "claude_code", healthy: false }] });
    const wrongModel = await registerWorker(api, owner.key, { tools: [{ name: "ollama", models: ["llama3"] }] });
    const noGpu = await registerWorker(api, owner.key, { tools: ["codex_cli"], labels: ["linux"] });
    const small = await registerWorker(api, owner.key, { tools: ["gemini_cli"], capacity: { memory_gb: 8 } });

    const claude = await createTask(api, owner.access_token, { tool: "claude_code" });
    await createTask(api, owner.access_token, { tool: "ollama", model: "qwen3" });
    await createTask(api, owner.access_token, { tool: "codex_cli", requirements: { labels: ["gpu"] } });
    await createTask(api, owner.access_token, { tool: "gemini_cli", requirements: { min_memory_gb: 32 } });

    for (const worker of [shellOnly, sick, wrongModel, noGpu, small]) {
      expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);
    }
    const able = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    expect((await pull(api, owner.key, able.worker_id)).body.task_id).toBe(claude.task_id);
    const gpu = await registerWorker(api, owner.key, { tools: ["codex_cli"], labels: ["gpu", "linux"] });
    expect((await pull(api, owner.key, gpu.worker_id)).body.tool).toBe("codex_cli");
    const big = await registerWorker(api, owner.key, { tools: ["gemini_cli"], capacity: { memory_gb: 64 } });
    expect((await pull(api, owner.key, big.worker_id)).body.tool).toBe("gemini_cli");
    const qwen = await registerWorker(api, owner.key, { tools: [{ name: "ollama", models: ["qwen3", "llama3"] }] });
    expect((await pull(api, owner.key, qwen.worker_id)).body.model).toBe("qwen3");
  });

  it("hands out higher priority first, then the oldest; a pinned task only to its worker", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { slots: 10, tools: ["anthropic"] });
    const other = await registerWorker(api, owner.key, { slots: 10, tools: ["anthropic"] });
    const low = await createTask(api, owner.access_token, { tool: "anthropic", priority: -5 });
    const first = await createTask(api, owner.access_token, { tool: "anthropic" });
    const second = await createTask(api, owner.access_token, { tool: "anthropic" });
    const urgent = await createTask(api, owner.access_token, { tool: "anthropic", priority: 50 });
    const pinned = await createTask(api, owner.access_token, {
      tool: "anthropic",
      priority: 100,
      worker_id: worker.worker_id,
    });

    const fromOther: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await pull(api, owner.key, other.worker_id);
      if (answer.status === 200) fromOther.push(answer.body.task_id);
    }
    expect(fromOther).toEqual([urgent.task_id, first.task_id, second.task_id, low.task_id]);
    expect((await pull(api, owner.key, worker.worker_id)).body.task_id).toBe(pinned.task_id);
  });

  it("stops handing out work past the worker's slots, and to a draining worker", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { slots: 1, tools: ["shell"] });
    await createTask(api, owner.access_token, { tool: "shell" });
    await createTask(api, owner.access_token, { tool: "shell" });
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(200);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);

    const spare = await registerWorker(api, owner.key, { slots: 2, tools: ["shell"] });
    const drained = await api.post(`/api/v1/workers/${spare.worker_id}/drain`, {}, { token: owner.access_token });
    expect(drained.body.draining).toBe(true);
    expect((await pull(api, owner.key, spare.worker_id)).status).toBe(204);
    await api.post(`/api/v1/workers/${spare.worker_id}/drain`, { draining: false }, { token: owner.access_token });
    expect((await pull(api, owner.key, spare.worker_id)).status).toBe(200);
  });

  it("long-polls: a waiting pull returns the task created while it waits", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { tools: ["gemini_api"] });
    const waiting = pull(api, owner.key, worker.worker_id, 30);
    // The pull is parked once a claim found nothing; give it a moment to get there (not an assertion on time).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const task = await createTask(api, owner.access_token, { tool: "gemini_api" });
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body.task_id).toBe(task.task_id);
  });

  it("long-polls: answers 204 when nothing arrives within the wait", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key, { tools: ["openai_compatible"] });
    await createTask(api, owner.access_token, { tool: "claude_code" });
    const answer = await pull(api, owner.key, worker.worker_id, 1);
    expect(answer.status).toBe(204);
  });

  it("runs operators' tasks on a shared worker, never viewers' or strangers'", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const operator = await createUser(api);
    const viewer = await createUser(api);
    const stranger = await createUser(api);
    const worker = await registerWorker(api, owner.key, { slots: 5, tools: ["ollama"] });
    await shareAccepted(api, owner, worker.worker_id, operator, "operator");
    await shareAccepted(api, owner, worker.worker_id, viewer, "viewer");
    const viewerTask = await createTask(api, viewer.access_token, { tool: "ollama", priority: 10 });
    await createTask(api, stranger.access_token, { tool: "ollama", priority: 10 });
    const operatorTask = await createTask(api, operator.access_token, { tool: "ollama" });

    expect((await pull(api, owner.key, worker.worker_id)).body.task_id).toBe(operatorTask.task_id);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);
    // The viewer sees the worker but cannot pin a task to it, nor act as it.
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: viewer.access_token })).body.role).toBe(
      "viewer",
    );
    const pinned = await api.post(
      "/api/v1/tasks",
      { description: "x", tool: "ollama", worker_id: worker.worker_id },
      { token: viewer.access_token },
    );
    expect(pinned.status).toBe(400);
    expect(pinned.body.errors[0].field).toBe("body.worker_id");
    expect((await pull(api, viewer.access_token, worker.worker_id)).status).toBe(403);
    expect((await pull(api, operator.access_token, worker.worker_id)).status).toBe(403);
    expect((await pull(api, stranger.access_token, worker.worker_id)).status).toBe(404);
    expect((await api.get(`/api/v1/tasks/${viewerTask.task_id}`, { token: viewer.access_token })).body.status).toBe(
      "queued",
    );
  });
});
