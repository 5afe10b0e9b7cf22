// Real worker processes through cancel, crash and shutdown: the tool's processes die with a cancel, a
// SIGKILLed worker's task is re-queued and finished by another worker exactly once, and SIGTERM drains.
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { processGone, readFakePids } from "../fakes/index.ts";
import { cleanUpWorkers, spawnWorker, tempDir, waitFor } from "./support.ts";

const leftovers: number[] = [];

describe.skipIf(postgresStackMissing())("worker processes: cancel, crash, drain", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "e2e worker");
  });
  afterEach(async () => {
    await cleanUpWorkers();
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
  afterAll(() => server?.close());

  const createTask = async (body: Record<string, unknown>) => {
    const created = await api.post("/api/v1/tasks", body, { token: user.access_token });
    expect(created.status).toBe(201);
    return created.body.task_id as string;
  };
  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token })).body;
  const status = (taskId: string, wanted: string) =>
    waitFor(
      async () => {
        const task = await taskOf(taskId);
        return task.status === wanted ? task : null;
      },
      { what: `task ${taskId} to be ${wanted}` },
    );

  for (const mode of ["websocket", "pull"] as const) {
    it(`cancel kills a long-running fake tool and its child process (${mode} worker)`, async () => {
      const pidFile = join(await tempDir(), "pids.json");
      const worker = await spawnWorker({
        server: server.url,
        key,
        args: mode === "pull" ? ["--pull"] : [],
        env: { GS_FAKE_MODE: "hang-child", GS_FAKE_PID_FILE: pidFile },
      });
      await worker.workerId();
      const taskId = await createTask({ description: "think forever", tool: "claude_code" });
      const pids = await waitFor(() => readFakePids(pidFile), { what: "the fake claude to start" });
      leftovers.push(pids.pid, pids.child_pid as number);
      expect(processGone(pids.pid)).toBe(false);
      await status(taskId, "running");

      const cancelled = await api.post(`/api/v1/tasks/${taskId}/cancel`, undefined, { token: user.access_token });
      expect(cancelled.status).toBe(200);
      await waitFor(() => processGone(pids.pid) && processGone(pids.child_pid as number), {
        what: "the fake claude and its child to be gone",
      });
      await worker.waitForLog(new RegExp(`task ${taskId}: cancelled`));
      expect((await taskOf(taskId)).status).toBe("cancelled");
    });
  }

  it("a worker killed with SIGKILL mid-task: the task is re-queued and a second worker completes it, once", async () => {
    const pidFile = join(await tempDir(), "pids.json");
    const first = await spawnWorker({
      server: server.url,
      key,
      env: { GS_FAKE_MODE: "hang", GS_FAKE_PID_FILE: pidFile },
    });
    const firstId = await first.workerId();
    const taskId = await createTask({ description: "survive a crash", tool: "claude_code" });
    const running = await status(taskId, "running");
    expect(running).toMatchObject({ worker_id: firstId, attempt: 1 });
    const pids = await waitFor(() => readFakePids(pidFile));
    leftovers.push(pids.pid);

    first.kill("SIGKILL");
    await first.exited;
    const second = await spawnWorker({ server: server.url, key });
    const secondId = await second.workerId();

    const done = await status(taskId, "completed");
    expect(done).toMatchObject({ worker_id: secondId, attempt: 2 });
    expect(done.result.output).toBe("Fake claude answer to: survive a crash");
    const completions = await server.resources.db.execute(
      sql`select count(*)::int as n from task_events
          where task_id = ${taskId}::uuid and kind = 'status' and data->>'status' = 'completed'`,
    );
    expect((completions as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(1);
    const offline = (await api.get(`/api/v1/workers/${firstId}`, { token: user.access_token })).body;
    expect(offline.status).toBe("offline");
  });

  it("SIGTERM drains: the running task finishes and is reported, then the worker exits cleanly", async () => {
    const dir = await tempDir();
    const go = join(dir, "go");
    const worker = await spawnWorker({ server: server.url, key, args: ["--enable-shell"] });
    await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    // The command waits for a file the test creates only once the worker is draining.
    const taskId = await createTask({
      description: "finish during drain",
      tool: "shell",
      prompt: `while [ ! -f '${go}' ]; do sleep 0.1; done; echo finished`,
    });
    await status(taskId, "running");

    worker.kill("SIGTERM");
    await worker.waitForLog(/draining: waiting/);
    await writeFile(go, "");
    const exit = await worker.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    const task = await taskOf(taskId);
    expect(task).toMatchObject({ status: "completed", attempt: 1 });
    expect(task.result.output).toBe("finished\n");
    // The report went through the outbox and left nothing behind once the server had it.
    expect(await readdir(join(worker.stateDir, "outbox"))).toEqual([]);
  });

  it("SIGTERM past the drain deadline hands the task back (retryable) and kills its process", async () => {
    const dir = await tempDir();
    const pidFile = join(dir, "shell.pid");
    const worker = await spawnWorker({
      server: server.url,
      key,
      args: ["--enable-shell", "--drain-timeout", "1"],
    });
    await worker.workerId();
    const taskId = await createTask({
      description: "never finishes",
      tool: "shell",
      prompt: `echo $$ > '${pidFile}'; while true; do sleep 0.1; done`,
    });
    await status(taskId, "running");
    const pid = Number(
      await waitFor(async () => (existsSync(pidFile) ? (await readFile(pidFile, "utf8")).trim() : "")),
    );
    leftovers.push(pid);

    worker.kill("SIGTERM");
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(processGone(pid)).toBe(true);
    const task = await taskOf(taskId);
    expect(task).toMatchObject({ status: "queued", attempt: 1, worker_id: null });
    expect(task.error).toContain("handed back");
  });
});
