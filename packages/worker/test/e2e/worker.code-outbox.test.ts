// A code task's change is not lost when its worker dies after the agent finished: the report carrying the
// patch is in the worker's outbox on disk, and the worker, started again on the same state dir, delivers it.
// Here the server is down when the agent finishes (so the report cannot go out), the worker is SIGKILLed,
// the server comes back, and a new worker process on the same state dir delivers the change.
import { execFileSync } from "node:child_process";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient } from "../../../../test/support/http.ts";
import {
  createTestDatabase,
  postgresStackMissing,
  startTestServer,
  type TestDatabase,
  type TestServer,
} from "../../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../../test/support/users.ts";
import { createGitRemote } from "../support/git-remote.ts";
import { cleanUpWorkers, spawnWorker, tempDir, waitFor } from "./support.ts";

describe.skipIf(postgresStackMissing())("a worker killed after the agent finished", () => {
  const servers: TestServer[] = [];
  let database: TestDatabase | undefined;
  afterAll(async () => {
    await cleanUpWorkers();
    for (const server of servers) await server.close();
    await database?.close();
  });

  it("delivers the change from its outbox when it starts again", async () => {
    database = await createTestDatabase();
    // Leases of 30 s outlast the outage, so the attempt is still current when the server returns.
    const first = await startTestServer({ heartbeatIntervalSeconds: 10 }, { database });
    servers.push(first);
    const port = Number(new URL(first.url).port);
    const api = apiClient(first.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const remote = await createGitRemote();
    const base = await remote.commit({ "README.md": "# demo\n" });

    const go = join(await tempDir(), "go");
    const worker = await spawnWorker({ server: first.url, key, args: ["--enable-shell"] });
    await worker.waitForLog(/connected over WebSocket/);
    const created = await api.post(
      "/api/v1/tasks",
      {
        description: "write the notes once told to",
        tool: "shell",
        prompt: `while [ ! -f '${go}' ]; do sleep 0.1; done; printf 'kept\\n' > NOTES.md`,
        repo: { url: remote.url },
      },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const taskId = created.body.task_id as string;
    await waitFor(async () => {
      const task = await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token });
      return task.body.status === "running";
    });

    await first.close();
    await writeFile(go, "");
    await worker.waitForLog(new RegExp(`task ${taskId}: complete not delivered`));
    const kept = await readdir(join(worker.stateDir, "outbox"));
    expect(kept.filter((name) => name.endsWith(".json"))).toHaveLength(1);
    worker.kill("SIGKILL");
    await worker.exited;

    const second = await startTestServer({ heartbeatIntervalSeconds: 10, port }, { database });
    servers.push(second);
    const again = apiClient(second.url);
    const restarted = await spawnWorker({
      server: second.url,
      key,
      stateDir: worker.stateDir,
      args: ["--enable-shell"],
    });
    const task = await waitFor(
      async () => {
        const found = await again.get(`/api/v1/tasks/${taskId}`, { token: user.access_token });
        return found.body.status === "completed" ? found.body : null;
      },
      { what: "the change to arrive from the restarted worker's outbox", timeoutMs: 60_000 },
    );
    expect(task).toMatchObject({ attempt: 1, revision: 1 });
    expect(task.result.code).toMatchObject({
      base_sha: base,
      files: [{ path: "NOTES.md", status: "added" }],
      ahead: 1,
    });
    const patch = await again.get(`/api/v1/tasks/${taskId}/patch`, { token: user.access_token });
    expect(patch.status).toBe(200);
    expect(patch.body).toContain("+kept");
    // The patch applies onto the base: the change can be taken without the worker that made it.
    const checkout = await tempDir("gs-apply-");
    execFileSync("git", ["clone", "--quiet", remote.url, checkout]);
    const file = join(checkout, "change.patch");
    await writeFile(file, patch.body as string);
    execFileSync("git", ["apply", "--index", file], { cwd: checkout });
    expect(execFileSync("git", ["show", ":NOTES.md"], { cwd: checkout, encoding: "utf8" })).toBe("kept\n");
    await waitFor(async () => (await readdir(join(restarted.stateDir, "outbox"))).length === 0);
  }, 120_000);
});
