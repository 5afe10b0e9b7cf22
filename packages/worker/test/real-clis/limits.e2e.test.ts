// End to end with the real agent CLIs: a server, a real `garageswarm worker` process whose claude_code and
// codex_cli are the real Claude Code and Codex (in the sandbox, answering through the vendor fakes).
// - A subscription's usage limit parks the task without using an attempt; after the (test-shortened) reset
//   the same worker resumes the same Claude Code session and the task completes.
// - A task that prefers claude_code but allows codex_cli with `on_limit: failover` moves to Codex at once.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { usageLimitReply } from "../../../../test/fakes/vendor-apis/anthropic.ts";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import {
  describeWithRealClis,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { continuationPrompt } from "../../src/tools/claude-code.ts";
import { cleanUpWorkers, spawnWorker, taskEnded, type WorkerProcess, waitFor } from "../e2e/support.ts";

describeWithRealClis("usage limits end to end, with the real Claude Code and Codex", () => {
  let harness: RealCliHarness;
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    harness = await startRealCliHarness();
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "real clis worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

  /** A worker process whose Claude Code is signed in to a subscription (gateway) and whose Codex has a key. */
  async function startWorker(): Promise<{ worker: WorkerProcess; workerId: string; home: string }> {
    const homes = await harness.newHome({ claudeSubscription: true });
    const worker = await spawnWorker({
      server: server.url,
      key,
      env: {
        ...homes.claude_code,
        ...homes.codex_cli,
        HOME: homes.home,
        GARAGESWARM_CLAUDE_COMMAND: harness.commands.claude,
        GARAGESWARM_CODEX_COMMAND: harness.commands.codex,
        GARAGESWARM_PASS_ENV: "DISABLE_AUTOUPDATER,DISABLE_TELEMETRY,DISABLE_ERROR_REPORTING",
      },
    });
    const workerId = await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    return { worker, workerId, home: homes.home };
  }

  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token })).body;

  it("a Claude usage limit parks the task; after the reset the same session resumes and completes", async () => {
    const { worker, workerId, home } = await startWorker();
    // Far enough ahead that a slow CLI start cannot reach the reset before the task is seen parked.
    harness.anthropic.script(usageLimitReply(new Date(Date.now() + 15_000)), {
      kind: "text",
      text: "Finished after the reset.",
    });
    const created = await api.post(
      "/api/v1/tasks",
      { description: "refactor", tool: "claude_code", prompt: "Refactor the parser", max_attempts: 1 },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const taskId = created.body.task_id as string;

    // Parked: back in the queue, an attempt not used, and the view says why and until when.
    const parked = await waitFor(
      async () => {
        const task = await taskOf(taskId);
        return task.limited_attempts === 1 && task.status === "queued" ? task : null;
      },
      { what: "the task to be parked by the usage limit" },
    );
    expect(parked.waiting_reason).toMatchObject({ code: "tool_limited" });
    expect(parked.waiting_reason.message).toContain("Claude Code limit to reset");
    const worker1 = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    const claude = worker1.tools.find((tool: { name: string }) => tool.name === "claude_code");
    expect(claude.limited_until).toEqual(expect.any(String));
    expect(claude.limit_message).toMatch(/hit your .*limit/);

    const done = await taskEnded(api, user.access_token, taskId);
    expect(done).toMatchObject({ status: "completed", worker_id: workerId, attempt: 2, limited_attempts: 1 });
    expect(done.result.output).toBe("Finished after the reset.");

    // The second attempt resumed the first attempt's session: the worker said so, the result names it, the
    // CLI kept one conversation, and the resumed request carried the first prompt and the continuation.
    const sessionId = (await worker.waitForLog(/resuming session ([0-9a-f-]{36})/))[1];
    expect(done.result.detail.session_id).toBe(sessionId);
    const projects = join(home, ".claude", "projects");
    const sessions = (
      await Promise.all(
        (
          await readdir(projects)
        ).map(async (dir) => (await readdir(join(projects, dir))).filter((file) => file.endsWith(".jsonl"))),
      )
    ).flat();
    expect(sessions).toEqual([`${sessionId}.jsonl`]);
    const calls = harness.anthropic.requests.filter((request) => request.url.startsWith("/v1/messages?"));
    const resumed = JSON.stringify(calls.at(-1)?.body);
    expect(resumed).toContain("Refactor the parser");
    expect(resumed).toContain(continuationPrompt);
  });

  it("a failover task moves from a limited claude_code to codex_cli on the same worker", async () => {
    const { workerId } = await startWorker();
    // The Claude window resets in an hour: waiting is not what this task asked for.
    harness.anthropic.script(usageLimitReply(new Date(Date.now() + 3_600_000)));
    harness.responses.script({ kind: "text", text: "Codex took over." });
    const created = await api.post(
      "/api/v1/tasks",
      {
        description: "failover",
        tool: ["claude_code", "codex_cli"],
        on_limit: "failover",
        prompt: "Write the release notes",
        max_attempts: 1,
      },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tool: "claude_code", tools: ["claude_code", "codex_cli"] });

    const done = await taskEnded(api, user.access_token, created.body.task_id);
    expect(done).toMatchObject({ status: "completed", tool: "codex_cli", worker_id: workerId, limited_attempts: 1 });
    expect(done.result.output).toBe("Codex took over.");
    const codexCalls = harness.responses.requests.filter((request) => request.url.includes("/responses"));
    expect(JSON.stringify(codexCalls.at(-1)?.body)).toContain("Write the release notes");
    // Claude Code on that worker stays limited until its reset, so nothing else is offered to it.
    const seen = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    const claude = seen.tools.find((tool: { name: string }) => tool.name === "claude_code");
    expect(Date.parse(claude.limited_until)).toBeGreaterThan(Date.now() + 3_000_000);
  });
});
