// A worker that stops running past its lease (a laptop asleep; here a real worker process under SIGSTOP) and
// comes back: it notices the wake once, reconnects once, hears from the server that its task was given away,
// stops that run without reporting it, and the task runs to completion once, as the server's next attempt.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { processGone } from "../fakes/index.ts";
import { cleanUpWorkers, spawnWorker, tempDir, waitFor } from "./support.ts";

describe.skipIf(postgresStackMissing())("a worker that sleeps past its lease", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;
  const leftovers: number[] = [];

  beforeAll(async () => {
    // A lease is three heartbeats: 3 s here.
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "sleepy worker");
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

  const taskOf = async (taskId: string) =>
    (await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token })).body;
  const until = (taskId: string, wanted: (task: Record<string, unknown>) => boolean, what: string) =>
    waitFor(
      async () => {
        const task = await taskOf(taskId);
        return wanted(task) ? task : null;
      },
      { what: `task ${taskId} ${what}` },
    );

  it("SIGSTOP past the lease, then SIGCONT: one wake, one reconnect, the lost attempt stopped unreported, one completion", async () => {
    const dir = await tempDir("gs-sleep-");
    const worker = await spawnWorker({ server: server.url, key, args: ["--enable-shell"] });
    const workerId = await worker.workerId();
    // The first attempt records its pid and sleeps for ever; the next one answers at once.
    const pids = join(dir, "pids");
    const command = `echo $$ >> '${pids}'; if [ -e '${dir}/started' ]; then echo second; else touch '${dir}/started'; exec sleep 600; fi`;
    const created = await api.post(
      "/api/v1/tasks",
      { description: command, tool: "shell" },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const taskId = created.body.task_id as string;
    await until(taskId, (task) => task.status === "running" && task.attempt === 1, "to run its first attempt");
    const firstPid = Number(await waitFor(async () => (await readFile(pids, "utf8").catch(() => "")).trim()));
    leftovers.push(firstPid);

    const pid = worker.child.pid as number;
    process.kill(pid, "SIGSTOP");
    try {
      // The server gives up on it: the worker goes offline and the lease of attempt 1 ends.
      await until(taskId, (task) => task.status === "queued", "to be re-queued once the lease ran out");
      const gone = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
      expect(gone.status).toBe("offline");
    } finally {
      process.kill(pid, "SIGCONT");
    }
    expect(processGone(firstPid)).toBe(false);

    await worker.waitForLog(/woke after ~\d+ s not running: reconnecting/);
    // The lost attempt is stopped (its process killed) and not reported as this worker's.
    await waitFor(() => processGone(firstPid), { what: "the lost attempt's process to be killed" });
    await worker.waitForLog(new RegExp(`task ${taskId}: cancelled \\(attempt 1, no longer ours: not reported\\)`));
    const done = await until(taskId, (task) => task.status === "completed", "to complete");
    expect(done).toMatchObject({ attempt: 2, worker_id: workerId });
    expect(done.result.output.trim()).toBe("second");
    await worker.waitForLog(new RegExp(`task ${taskId}: completed`));

    const log = worker.log();
    const afterWake = log.slice(log.search(/woke after/));
    expect(log.match(/woke after/g)).toHaveLength(1);
    expect(afterWake.match(/connected over WebSocket/g)).toHaveLength(1);
    expect(afterWake).not.toMatch(/WebSocket connection lost|WebSocket unavailable/);
    // Nothing of attempt 1 went out: no report for the server to refuse.
    expect(log).not.toMatch(/no longer takes this attempt/);
    expect((await readFile(pids, "utf8")).trim().split("\n")).toHaveLength(2);

    // The server and the worker agree: online, holding nothing; the task completed once.
    const rows = await server.resources.db.execute(
      sql`select
            (select count(*)::int from task_events where task_id = ${taskId}::uuid and kind = 'status'
               and data->>'status' = 'completed') as completions,
            (select count(*)::int from tasks where worker_id = ${workerId}::uuid
               and status in ('assigned', 'running')) as held`,
    );
    expect((rows as unknown as { rows: Array<{ completions: number; held: number }> }).rows[0]).toEqual({
      completions: 1,
      held: 0,
    });
    const back = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    expect(back.status).toBe("online");
  }, 120_000);
});
