// A real `garageswarm worker` process runs a code task against a real server: the fake agent edits a file
// in its worktree of a file:// repository, and the task's result carries the change.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { createGitRemote } from "../support/git-remote.ts";
import { cleanUpWorkers, spawnWorker, taskEnded } from "./support.ts";

describe.skipIf(postgresStackMissing())("a worker process runs a code task", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "e2e code worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(async () => {
    await server?.close();
  });

  it("reports the change the agent made in its worktree, with the patch", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "README.md": "# demo\n" });
    const worker = await spawnWorker({
      server: server.url,
      key,
      env: { GS_FAKE_EDIT: JSON.stringify({ "hello.txt": "hello from the agent\n" }) },
    });
    await worker.workerId();
    const created = await api.post(
      "/api/v1/tasks",
      { description: "Add hello.txt", tool: "claude_code", repo: { url: remote.url, check: "test -f hello.txt" } },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const task = await taskEnded(api, user.access_token, created.body.task_id);
    expect(task).toMatchObject({ status: "completed" });
    expect(task.result.code).toMatchObject({
      repo_url: remote.url,
      base_sha: base,
      branch: `garageswarm/${String(created.body.task_id).slice(0, 8)}-1`,
      ahead: 1,
      additions: 1,
      files: [{ path: "hello.txt", status: "added", additions: 1 }],
      check: { exit_code: 0 },
    });
  });
});
