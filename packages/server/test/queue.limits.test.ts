// Usage limits, preference lists and per-tool caps in pull mode, over real HTTP on a clock the test moves:
// a limit parks the task without using an attempt, marks the worker's tool limited until the reset, and
// the next claim resumes the agent session only on that worker's same tool.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey } from "../../../test/support/users.ts";
import { LIMIT_MAX_WAIT_SECONDS, MAX_PARKS_PER_TASK } from "../src/queue/timing.ts";
import { createTask, manualClock, pull, registerWorker, report, reportLimit } from "./queue.support.ts";

const clock = manualClock(new Date("2026-12-01T12:00:00.000Z"));
const inSeconds = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000).toISOString();

// Access tokens outlive the hours this file moves its clock by.
const it = serverTest({ clock, settings: { limitDefaultWaitSeconds: 900, accessTokenTtlSeconds: 30 * 24 * 3600 } })
  // A user of each test's own, so no worker or task of another test gets in the way.
  .extend("owner", ({ api }) => createUserWithKey(api))
  .extend("taskOf", ({ api, owner }) => {
    return async (taskId: string) => (await api.get(`/api/v1/tasks/${taskId}`, { token: owner.access_token })).body;
  })
  .extend("toolOf", ({ api, owner }) => {
    return async (workerId: string, name: string) => {
      const worker = (await api.get(`/api/v1/workers/${workerId}`, { token: owner.access_token })).body;
      return worker.tools.find((tool: { name: string }) => tool.name === name);
    };
  });

describe.skipIf(postgresStackMissing())("usage limits in pull mode", () => {
  it("parks a task on a limit without using an attempt, again and again, and it still completes", async ({
    server,
    api,
    owner,
    taskOf,
    toolOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    const task = await createTask(api, owner.access_token, { max_attempts: 1 });
    expect(task).toMatchObject({ tool: "claude_code", tools: ["claude_code"], on_limit: "wait" });

    const first = (await pull(api, owner.key, worker.worker_id)).body;
    expect(first).toMatchObject({ attempt: 1, tool: "claude_code", resume_session_id: null });
    const reset = inSeconds(3600);
    const parked = await reportLimit(api, owner.key, first, { resets_at: reset }, "session-1");
    expect(parked.status).toBe(200);
    expect(parked.body).toMatchObject({ status: "queued", worker_id: null, attempt: 1, limited_attempts: 1 });
    // Not before the reset, and at most a minute of jitter after it.
    const availableAt = Date.parse(parked.body.available_at);
    expect(availableAt).toBeGreaterThanOrEqual(Date.parse(reset));
    expect(availableAt).toBeLessThanOrEqual(Date.parse(reset) + 60_000);
    expect(await toolOf(worker.worker_id, "claude_code")).toMatchObject({
      limited_until: reset,
      limit_message: "You've hit your limit",
    });
    expect((await taskOf(task.task_id)).waiting_reason).toMatchObject({
      code: "tool_limited",
      message: "waiting for the Claude Code limit to reset at 13:00 UTC on test box",
    });

    // available_at and the tool's limit are honoured: nothing to claim until both have passed.
    clock.advance(1800);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);
    clock.advance(1800 + 61);
    const second = (await pull(api, owner.key, worker.worker_id)).body;
    expect(second).toMatchObject({ task_id: task.task_id, attempt: 2, resume_session_id: "session-1" });

    // A limit that names no reset waits the configured default (15 min here).
    const again = await reportLimit(api, owner.key, second, { resets_at: null }, "session-2");
    expect(again.body).toMatchObject({ status: "queued", attempt: 2, limited_attempts: 2 });
    clock.advance(14 * 60);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);
    clock.advance(2 * 60 + 61);
    const third = (await pull(api, owner.key, worker.worker_id)).body;
    expect(third).toMatchObject({ attempt: 3, resume_session_id: "session-2" });
    const done = await report(api, owner.key, task.task_id, "complete", {
      attempt_token: third.attempt_token,
      result: { output: "done" },
    });
    expect(done.body).toMatchObject({ status: "completed", attempt: 3, limited_attempts: 2, max_attempts: 1 });

    // Each parked attempt's agent session is in the event log, with the attempt.
    const events = await server.resources.db.execute(
      sql`select attempt, data from task_events where task_id = ${task.task_id} and data ? 'session_id' order by event_id`,
    );
    const rows = (events as unknown as { rows: Array<{ attempt: number; data: Record<string, unknown> }> }).rows;
    expect(rows.map((row) => [row.attempt, row.data.session_id, row.data.tool])).toEqual([
      [1, "session-1", "claude_code"],
      [2, "session-2", "claude_code"],
    ]);
  });

  it("passes over the limited tool for every task until the reset, whatever the worker's heartbeat says", async ({
    api,
    owner,
    toolOf,
  }) => {
    const tools = [{ name: "gemini_cli", version: "0.61", models: [], healthy: true }];
    const worker = await registerWorker(api, owner.key, { tools, slots: 2 });
    const parkedTask = await createTask(api, owner.access_token, { tool: "gemini_cli" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    const reset = inSeconds(600);
    await reportLimit(api, owner.key, claimed, { resets_at: reset, kind: "quota" });
    const other = await createTask(api, owner.access_token, { tool: "gemini_cli" });

    // The worker re-sends its tools, knowing nothing of the limit: the limit stands.
    const beat = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [], tools },
      { token: owner.key },
    );
    expect(beat.status).toBe(200);
    expect((await toolOf(worker.worker_id, "gemini_cli")).limited_until).toBe(reset);
    // So does re-registering.
    await registerWorker(api, owner.key, { tools, slots: 2, machine_id: String(worker.machine_id) });
    expect((await toolOf(worker.worker_id, "gemini_cli")).limited_until).toBe(reset);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);

    clock.advance(601);
    expect((await pull(api, owner.key, worker.worker_id)).body.task_id).toBe(other.task_id);
    clock.advance(60);
    expect((await pull(api, owner.key, worker.worker_id)).body.task_id).toBe(parkedTask.task_id);
    // A limit already passed is forgotten at the next report of the tools.
    await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [], tools },
      { token: owner.key },
    );
    expect((await toolOf(worker.worker_id, "gemini_cli")).limited_until).toBeUndefined();
  });

  it("fails over to the next tool on the same worker, never onto a limited tool, then to another worker", async ({
    api,
    owner,
    taskOf,
  }) => {
    const laptop = await registerWorker(api, owner.key, { tools: ["claude_code", "codex_cli"] });
    const task = await createTask(api, owner.access_token, {
      tool: ["claude_code", "codex_cli"],
      on_limit: "failover",
    });
    expect(task).toMatchObject({ tool: "claude_code", tools: ["claude_code", "codex_cli"], on_limit: "failover" });

    const onClaude = (await pull(api, owner.key, laptop.worker_id)).body;
    expect(onClaude.tool).toBe("claude_code");
    const failedOver = await reportLimit(api, owner.key, onClaude, { resets_at: inSeconds(3600) }, "claude-session");
    expect(failedOver.body).toMatchObject({ status: "queued", tool: "claude_code", limited_attempts: 1 });
    expect(Date.parse(failedOver.body.available_at)).toBe(clock.now().getTime());

    const onCodex = (await pull(api, owner.key, laptop.worker_id)).body;
    expect(onCodex).toMatchObject({ task_id: task.task_id, tool: "codex_cli", attempt: 2, resume_session_id: null });
    expect(onCodex.score).toMatchObject({
      via: "pull",
      tool: "codex_cli",
      passed_over: [{ tool: "claude_code", reason: expect.stringContaining("claude_code is limited until") }],
    });
    await reportLimit(api, owner.key, onCodex, { resets_at: inSeconds(7200) });

    // Both of its tools are limited on the one worker: it waits, and says until when.
    expect((await pull(api, owner.key, laptop.worker_id)).status).toBe(204);
    expect((await taskOf(task.task_id)).waiting_reason).toMatchObject({
      code: "tool_limited",
      until: inSeconds(3600),
    });

    // The same tool on another worker is not limited: the task goes there, as a fresh session.
    const desktop = await registerWorker(api, owner.key, { tools: ["claude_code"] });
    const elsewhere = (await pull(api, owner.key, desktop.worker_id)).body;
    expect(elsewhere).toMatchObject({ task_id: task.task_id, tool: "claude_code", resume_session_id: null });
    expect(elsewhere.attempt).toBe(3);
  });

  it("waits for the reset (wait policy) even when another worker could run it, which then starts afresh", async ({
    api,
    owner,
  }) => {
    const first = await registerWorker(api, owner.key, { tools: ["ollama"] });
    const task = await createTask(api, owner.access_token, { tool: "ollama" });
    const claimed = (await pull(api, owner.key, first.worker_id)).body;
    await reportLimit(api, owner.key, claimed, { resets_at: inSeconds(300), kind: "rate_limit" }, "ollama-1");
    const second = await registerWorker(api, owner.key, { tools: ["ollama"] });
    expect((await pull(api, owner.key, second.worker_id)).status).toBe(204);
    clock.advance(300 + 31);
    const resumed = (await pull(api, owner.key, second.worker_id)).body;
    expect(resumed).toMatchObject({ task_id: task.task_id, resume_session_id: null });
  });

  it("clamps a reset far in the future to the maximum wait, and one in the past to now", async ({
    api,
    owner,
    toolOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["anthropic"] });
    await createTask(api, owner.access_token, { tool: "anthropic" });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    const parked = await reportLimit(api, owner.key, claimed, { resets_at: "2999-01-01T00:00:00.000Z" });
    const latest = clock.now().getTime() + LIMIT_MAX_WAIT_SECONDS * 1000;
    expect(Date.parse((await toolOf(worker.worker_id, "anthropic")).limited_until)).toBe(latest);
    expect(Date.parse(parked.body.available_at)).toBeLessThanOrEqual(latest + 60_000);

    const past = await registerWorker(api, owner.key, { tools: ["openai_compatible"] });
    await createTask(api, owner.access_token, { tool: "openai_compatible" });
    const again = (await pull(api, owner.key, past.worker_id)).body;
    const now = await reportLimit(api, owner.key, again, { resets_at: "2001-01-01T00:00:00Z" });
    expect(Date.parse(now.body.available_at)).toBe(clock.now().getTime());
    expect((await pull(api, owner.key, past.worker_id)).body.task_id).toBe(again.task_id);
  });

  it("refuses a limit report from anyone but the worker holding the attempt", async ({ api, owner, taskOf }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["codex_cli"] });
    const task = await createTask(api, owner.access_token, { tool: "codex_cli", max_attempts: 1 });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;

    const stranger = await createUserWithKey(api);
    const foreign = await reportLimit(api, stranger.key, claimed, { resets_at: inSeconds(60) });
    expect(foreign.status).toBe(404);
    const forged = await reportLimit(
      api,
      owner.key,
      { ...claimed, attempt_token: "00000000-0000-4000-8000-000000000000" },
      { resets_at: inSeconds(60) },
    );
    expect(forged.status).toBe(409);
    expect(await taskOf(task.task_id)).toMatchObject({ status: "assigned", limited_attempts: 0 });

    expect((await reportLimit(api, owner.key, claimed, { resets_at: inSeconds(60) })).status).toBe(200);
    // The parked attempt's token is spent: a second report of it changes nothing.
    expect((await reportLimit(api, owner.key, claimed, { resets_at: inSeconds(60) })).status).toBe(409);
    const bad = await report(api, owner.key, task.task_id, "fail", {
      attempt_token: claimed.attempt_token,
      error: "limit",
      limit: { kind: "forever", resets_at: "tomorrow", message: "x" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((error: { field: string }) => error.field)).toEqual(
      expect.arrayContaining(["body.limit.kind"]),
    );
  });

  it("counts a limit as a failure once a task was parked too often (a worker that always says limit)", async ({
    server,
    api,
    owner,
    taskOf,
  }) => {
    const worker = await registerWorker(api, owner.key, { tools: ["shell"] });
    const task = await createTask(api, owner.access_token, { tool: "shell", max_attempts: 1 });
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    // The row as a worker would leave it after parking the task all but once too often.
    await server.resources.db.execute(
      sql`update tasks set attempt = ${MAX_PARKS_PER_TASK}, limited_attempts = ${MAX_PARKS_PER_TASK - 1}
          where task_id = ${task.task_id}`,
    );
    // A reset already passed: parked, and claimable again at once.
    const parked = await reportLimit(api, owner.key, claimed, { resets_at: "2001-01-01T00:00:00Z" });
    expect(parked.body).toMatchObject({ status: "queued", limited_attempts: MAX_PARKS_PER_TASK });
    const last = (await pull(api, owner.key, worker.worker_id)).body;
    const failed = await reportLimit(api, owner.key, last, { resets_at: "2001-01-01T00:00:00Z" });
    expect(failed.body).toMatchObject({ status: "failed", limited_attempts: MAX_PARKS_PER_TASK });
    expect((await taskOf(task.task_id)).error).toBe("You've hit your limit");
  });

  it("respects a tool's per-worker cap, and runs the next tool of a list instead", async ({ api, owner }) => {
    const worker = await registerWorker(api, owner.key, {
      slots: 4,
      tools: [{ name: "claude_code", max_concurrent: 1 }, "codex_cli"],
    });
    const claudeTasks = [
      (await createTask(api, owner.access_token, { tool: "claude_code" })).task_id,
      (await createTask(api, owner.access_token, { tool: "claude_code" })).task_id,
    ];
    const first = (await pull(api, owner.key, worker.worker_id)).body;
    expect(claudeTasks).toContain(first.task_id);
    expect((await pull(api, owner.key, worker.worker_id)).status).toBe(204);

    const either = await createTask(api, owner.access_token, { tool: ["claude_code", "codex_cli"] });
    const onCodex = (await pull(api, owner.key, worker.worker_id)).body;
    expect(onCodex).toMatchObject({ task_id: either.task_id, tool: "codex_cli" });
    expect(onCodex.score).toMatchObject({
      tool: "codex_cli",
      passed_over: [{ tool: "claude_code", reason: "claude_code is at its cap of 1" }],
    });

    await report(api, owner.key, first.task_id, "complete", {
      attempt_token: first.attempt_token,
      result: { output: "" },
    });
    const next = (await pull(api, owner.key, worker.worker_id)).body;
    expect(next.task_id).toBe(claudeTasks.find((id) => id !== first.task_id));
  });

  it("accepts any model name on a tool that says any_model, and only its listed ones otherwise", async ({
    api,
    owner,
  }) => {
    const listed = await registerWorker(api, owner.key, { tools: [{ name: "gemini_api", models: ["flash"] }] });
    await createTask(api, owner.access_token, { tool: "gemini_api", model: "gemini-3-pro" });
    expect((await pull(api, owner.key, listed.worker_id)).status).toBe(204);
    const open = await registerWorker(api, owner.key, {
      tools: [{ name: "gemini_api", models: ["flash"], any_model: true }],
    });
    expect((await pull(api, owner.key, open.worker_id)).body.model).toBe("gemini-3-pro");
  });
});

describe.skipIf(postgresStackMissing())("choosing tools at task creation", () => {
  it('takes one tool, a preference list, or "any" (every text tool, in order)', async ({ api, server }) => {
    const user = await createUser(api);
    const any = await createTask(api, user.access_token, { tool: "any" });
    expect(any.tools).toEqual([
      "claude_code",
      "codex_cli",
      "gemini_cli",
      "anthropic",
      "openai_compatible",
      "gemini_api",
      "ollama",
    ]);
    expect(any.tool).toBe("claude_code");
    const list = await createTask(api, user.access_token, { tool: ["gemini_cli", "shell"] });
    expect(list).toMatchObject({ tool: "gemini_cli", tools: ["gemini_cli", "shell"], on_limit: "wait" });
    const listed = await api.get("/api/v1/tasks?limit=5", { token: user.access_token });
    const inList = listed.body.items.find((item: { task_id: string }) => item.task_id === list.task_id);
    expect(inList).toMatchObject({ tools: ["gemini_cli", "shell"], on_limit: "wait" });
    // The row keeps its invariant: `tool` is one of `tools`.
    const rows = await server.resources.db.execute(
      sql`select count(*)::int as n from tasks where user_id = ${user.user_id} and tools @> jsonb_build_array(tool)`,
    );
    expect((rows as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(2);
  });

  it("names the field of a bad tool list, a model beside a list, or a bad limit policy", async ({ api }) => {
    const user = await createUser(api);
    const create = (body: Record<string, unknown>) =>
      api.post("/api/v1/tasks", { description: "x", ...body }, { token: user.access_token });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tool: [] }, "body.tool"],
      [{ tool: ["claude_code", "claude_code"] }, "body.tool"],
      [{ tool: ["claude_code", "vim"] }, "body.tool"],
      [{ tool: "all" }, "body.tool"],
      [{ tool: Array.from({ length: 9 }, () => "shell") }, "body.tool"],
      [{ tool: ["claude_code", "codex_cli"], model: "opus" }, "body.model"],
      [{ tool: "any", model: "opus" }, "body.model"],
      [{ tool: "claude_code", on_limit: "retry" }, "body.on_limit"],
    ];
    for (const [body, field] of cases) {
      const answer = await create(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(answer.body.errors[0].field, JSON.stringify(body)).toMatch(new RegExp(`^${field.replace(".", "\\.")}`));
    }
  });
});
