// Leases, fencing, retries and the reaper, on a clock the test moves: nothing here sleeps.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createTask, manualClock, pull, registerWorker } from "./queue.support.ts";

const clock = manualClock();
const heartbeatInterval = 10;
const lease = 3 * heartbeatInterval;

const it = serverTest({ settings: { heartbeatIntervalSeconds: heartbeatInterval }, clock })
  .extend("owner", { scope: "file" }, ({ user, key }) => ({ ...user, key }))
  // A worker's report on a task, and the task as its owner reads it.
  .extend("report", { scope: "file" }, ({ api, owner }) => {
    return (taskId: string, verb: string, body: Record<string, unknown>) =>
      api.post(`/api/v1/tasks/${taskId}/${verb}`, body, { token: owner.key });
  })
  .extend("taskOf", { scope: "file" }, ({ api, owner }) => {
    return async (taskId: string) => (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.access_token })).body;
  });

describe.skipIf(postgresStackMissing())("leases and fencing", () => {
  it("re-queues a task whose lease expired, with attempt + 1 on the next claim, and refuses the old token", async ({
    server,
    api,
    owner,
    report,
    taskOf,
  }) => {
    const tool = "codex_cli";
    const first = await registerWorker(api, owner.key, { tools: [tool] });
    const second = await registerWorker(api, owner.key, { tools: [tool] });
    const task = await createTask(api, owner.access_token, { tool });
    const claimed = (await pull(api, owner.key, first.worker_id)).body;
    expect(claimed.attempt).toBe(1);
    await report(task.task_id, "start", { attempt_token: claimed.attempt_token });

    clock.advance(lease - 1);
    expect((await server.reaper.runOnce(clock.now())).leasesExpired).toBe(0);
    expect((await taskOf(task.task_id)).status).toBe("running");

    clock.advance(2);
    const pass = await server.reaper.runOnce(clock.now());
    expect(pass.leasesExpired).toBe(1);
    const requeued = await taskOf(task.task_id);
    expect(requeued).toMatchObject({ status: "queued", worker_id: null, attempt: 1 });
    expect(Date.parse(requeued.available_at)).toBe(clock.now().getTime() + 5_000);

    // Backing off: not claimable yet.
    expect((await pull(api, owner.key, second.worker_id)).status).toBe(204);
    clock.advance(5);
    const again = (await pull(api, owner.key, second.worker_id)).body;
    expect(again).toMatchObject({ task_id: task.task_id, attempt: 2, worker_id: second.worker_id });

    const late = await report(task.task_id, "complete", {
      attempt_token: claimed.attempt_token,
      result: { output: "late and stale" },
    });
    expect(late.status).toBe(409);
    expect(late.headers.get("content-type")).toContain("application/problem+json");
    expect((await report(task.task_id, "progress", { attempt_token: claimed.attempt_token, progress: 5 })).status).toBe(
      409,
    );

    const done = await report(task.task_id, "complete", {
      attempt_token: again.attempt_token,
      result: { output: "ok" },
    });
    expect(done.status).toBe(200);
    expect(await taskOf(task.task_id)).toMatchObject({ status: "completed", attempt: 2, result: { output: "ok" } });
  });

  it("fails a task whose last attempt's lease expired", async ({ server, api, owner, taskOf }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["gemini_api"] });
    const task = await createTask(api, owner.access_token, { tool: "gemini_api", max_attempts: 1 });
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(200);
    clock.advance(lease + 1);
    await server.reaper.runOnce(clock.now());
    const failed = await taskOf(task.task_id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("lease expired");
  });

  it("retries a failed attempt with exponential backoff, then fails when attempts run out", async ({
    api,
    owner,
    report,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["anthropic"] });
    const task = await createTask(api, owner.access_token, { tool: "anthropic", max_attempts: 3 });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const claimed = (await pull(api, owner.key, worker.worker_id)).body;
      expect(claimed).toMatchObject({ task_id: task.task_id, attempt });
      const failed = await report(task.task_id, "fail", {
        attempt_token: claimed.attempt_token,
        error: `boom ${attempt}`,
      });
      expect(failed.status).toBe(200);
      if (attempt < 3) {
        expect(failed.body.status).toBe("queued");
        const delay = (Date.parse(failed.body.available_at) - clock.now().getTime()) / 1000;
        delays.push(delay);
        clock.advance(delay);
      } else {
        expect(failed.body).toMatchObject({ status: "failed", error: "boom 3" });
      }
    }
    expect(delays).toEqual([5, 10]);
  });

  it("fails at once when the worker says retrying cannot help", async ({ api, owner, report }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["ollama"] });
    const task = await createTask(api, owner.access_token, { tool: "ollama", max_attempts: 5 });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    const failed = await report(task.task_id, "fail", {
      attempt_token: claimed.attempt_token,
      error: "model not found",
      retryable: false,
    });
    expect(failed.body).toMatchObject({ status: "failed", attempt: 1 });
  });

  it("keeps a lease alive through heartbeats and progress, and names cancelled tasks in the heartbeat answer", async ({
    server,
    api,
    owner,
    report,
    taskOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["shell"], slots: 2 });
    const kept = await createTask(api, owner.access_token, { tool: "shell" });
    const cancelled = await createTask(api, owner.access_token, { tool: "shell" });
    const a = (await pull(api, owner.key, worker.worker_id)).body;
    const b = (await pull(api, owner.key, worker.worker_id)).body;
    expect([a.task_id, b.task_id].sort()).toEqual([kept.task_id, cancelled.task_id].sort());

    const cancels: unknown[] = [];
    const stop = await server.resources.bus.subscribe("task.cancel", (message) => cancels.push(message));
    const cancel = await api.post(`/api/v1/tasks/${cancelled.task_id}/cancel`, undefined, {
      token: owner.access_token,
    });
    expect(cancel.body.status).toBe("cancelled");
    await expect
      .poll(() => cancels)
      .toContainEqual(expect.objectContaining({ task_id: cancelled.task_id, worker_id: worker.worker_id }));
    await stop();

    for (let beat = 0; beat < 4; beat++) {
      clock.advance(heartbeatInterval);
      const answer = await api.post(
        `/api/v1/workers/${worker.worker_id}/heartbeat`,
        { cpu_percent: 10, memory_percent: 20, disk_percent: 30, running_task_ids: [kept.task_id, cancelled.task_id] },
        { token: owner.key },
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        heartbeat_interval_seconds: heartbeatInterval,
        cancel_task_ids: [cancelled.task_id],
      });
      await server.reaper.runOnce(clock.now());
    }
    expect((await taskOf(kept.task_id)).status).toBe("assigned");
    const token = a.task_id === kept.task_id ? a.attempt_token : b.attempt_token;
    const staleCancel = await report(cancelled.task_id, "complete", {
      attempt_token: a.task_id === cancelled.task_id ? a.attempt_token : b.attempt_token,
      result: { output: "too late" },
    });
    expect(staleCancel.status).toBe(409);
    expect((await taskOf(cancelled.task_id)).status).toBe("cancelled");
    expect((await report(kept.task_id, "complete", { attempt_token: token, result: { output: "x" } })).status).toBe(
      200,
    );
  });

  it("marks a worker silent for three heartbeat intervals offline and re-queues what it held", async ({
    server,
    api,
    owner,
    report,
    taskOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["gemini_cli"] });
    const task = await createTask(api, owner.access_token, { tool: "gemini_cli" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    // Progress renews the lease, so only the worker's silence can end it.
    clock.advance(2 * heartbeatInterval);
    await report(task.task_id, "progress", { attempt_token: claimed.attempt_token, progress: 10 });
    clock.advance(heartbeatInterval + 1);
    const pass = await server.reaper.runOnce(clock.now());
    expect(pass.workersOffline).toBeGreaterThanOrEqual(1);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).body.status).toBe(
      "offline",
    );
    expect(await taskOf(task.task_id)).toMatchObject({ status: "queued", worker_id: null });

    const beat = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [task.task_id] },
      { token: owner.key },
    );
    expect(beat.body.cancel_task_ids).toEqual([task.task_id]);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).body.status).toBe(
      "online",
    );
  });

  it("times out a task running past its timeout", async ({ server, api, owner, report, taskOf }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["openai_compatible"] });
    const task = await createTask(api, owner.access_token, { tool: "openai_compatible", timeout_seconds: 60 });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    await report(task.task_id, "start", { attempt_token: claimed.attempt_token });
    for (let elapsed = 0; elapsed < 100; elapsed += heartbeatInterval) {
      clock.advance(heartbeatInterval);
      await api.post(
        `/api/v1/workers/${worker.worker_id}/heartbeat`,
        { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [task.task_id] },
        { token: owner.key },
      );
      await server.reaper.runOnce(clock.now());
    }
    expect(await taskOf(task.task_id)).toMatchObject({ status: "timed_out", attempt: 1 });
  });
});
