// A real `garageswarm worker` process runs a code task against a real server: the fake agent edits a file
// in its worktree of a file:// repository, and the task's result carries the change.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { createGitRemote, gitIn } from "../support/git-remote.ts";
import { cleanUpWorkers, spawnWorker, taskEnded, waitFor } from "./support.ts";

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

  it("review rounds: the same worker resumes in its worktree, another one starts from the stored patch", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "README.md": "# demo\n" });
    const token = user.access_token;
    const first = await spawnWorker({ server: server.url, key, env: { GS_FAKE_EDIT: "append-prompt" } });
    const firstWorker = await first.workerId();
    const created = await api.post(
      "/api/v1/tasks",
      { description: "Write the notes", tool: "claude_code", repo: { url: remote.url } },
      { token },
    );
    const round1 = await taskEnded(api, token, created.body.task_id);
    expect(round1).toMatchObject({ status: "completed", worker_id: firstWorker, revision: 1 });
    const session = round1.result.detail.session_id as string;

    // Round 2 goes back to the same worker, resumes the agent's session and goes on with the branch.
    const requested = await api.post(
      `/api/v1/tasks/${round1.task_id}/request-changes`,
      { message: "More." },
      { token },
    );
    expect(requested.status).toBe(201);
    const round2 = await taskEnded(api, token, requested.body.task_id);
    expect(round2).toMatchObject({ status: "completed", worker_id: firstWorker, revision: 2 });
    expect(round2.result.detail.session_id).toBe(session);
    expect(round2.result.code).toMatchObject({ base_sha: base, branch: round1.result.code.branch, ahead: 2 });

    // That worker is gone: round 3 runs on another, which never saw the branch, from the stored patch.
    first.kill("SIGTERM");
    await first.exited;
    await waitFor(async () => {
      const seen = await api.get(`/api/v1/workers/${firstWorker}`, { token });
      return seen.body.status === "offline";
    });
    const second = await spawnWorker({ server: server.url, key, env: { GS_FAKE_EDIT: "append-prompt" } });
    const secondWorker = await second.workerId();
    const again = await api.post(
      `/api/v1/tasks/${round2.task_id}/request-changes`,
      { message: "Last bit." },
      { token },
    );
    expect(again.status).toBe(201);
    const round3 = await taskEnded(api, token, again.body.task_id);
    expect(round3).toMatchObject({ status: "completed", worker_id: secondWorker, revision: 3 });
    expect(round3.result.code).toMatchObject({
      base_sha: base,
      branch: round1.result.code.branch,
      files: [{ path: "AGENT.md", status: "added" }],
    });
    // The cumulative patch holds all three rounds' notes and applies onto the base.
    const patch = await api.get(`/api/v1/tasks/${round3.task_id}/patch`, { token });
    expect(patch.status).toBe(200);
    const check = `${remote.work}-check`;
    await gitIn(remote.work, "worktree", "add", "--quiet", "--detach", check, base);
    execFileSync("git", ["apply", "-"], { cwd: check, input: patch.body });
    const notes = await readFile(`${check}/AGENT.md`, "utf8");
    expect(notes).toContain("Write the notes");
    expect(notes).toContain("More.");
    expect(notes).toContain("Last bit.");
  });
});
