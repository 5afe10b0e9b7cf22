// Accepting a code task's revision with a pull request: the server calls the forge the operator configured
// (a fake of GitHub's REST API on 127.0.0.1), only for a pushed branch on that forge's host, and keeps the
// pull request on the task. A forge that refuses leaves the revision unreviewed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeForge, startFakeForge } from "../../../test/fakes/forge.ts";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { agentResult, codeResult, PATCH, runAttempt } from "./code.support.ts";
import { registerWorker } from "./queue.support.ts";

describe.skipIf(postgresStackMissing())("pull requests for accepted code tasks", () => {
  let forge: FakeForge;
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    forge = await startFakeForge({ defaultBranch: "trunk" });
    server = await startTestServer({ forges: [{ host: "forge.test", api_url: forge.apiUrl, token: forge.token }] });
    api = apiClient(server.url);
  });
  afterAll(async () => {
    await server?.close();
    await forge?.close();
  });

  /** A completed code task of `url`, its branch pushed or not. */
  async function completedTask(url: string, pushed: boolean, baseRef: string | null = "main") {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "Turn verbose on", tool: "claude_code", repo: { url, push: pushed } },
      { token: owner.access_token },
    );
    await runAttempt(
      api,
      owner.key,
      worker.worker_id,
      created.body.task_id,
      agentResult(codeResult(PATCH, { repo_url: url, pushed, base_ref: baseRef })),
    );
    return { taskId: created.body.task_id as string, token: owner.access_token };
  }

  it("opens the pull request of a pushed branch onto its base and keeps it on the task", async () => {
    const { taskId, token } = await completedTask("git@forge.test:acme/app.git", true);
    const accepted = await api.post(`/api/v1/tasks/${taskId}/accept`, { open_pull_request: true }, { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.pull_request).toEqual({ url: "https://forge.test/acme/app/pull/1", number: 1 });
    expect(accepted.body.merge_command).toContain("git fetch 'git@forge.test:acme/app.git' 'garageswarm/abcdef12-1'");

    const sent = forge.requests.at(-1);
    expect(sent).toMatchObject({ method: "POST", path: "/repos/acme/app/pulls" });
    expect(sent?.body).toMatchObject({ title: "Turn verbose on", head: "garageswarm/abcdef12-1", base: "main" });
    expect((sent?.body as { body?: string } | undefined)?.body).toContain("Check `npm test`: passed.");
    const task = await api.get(`/api/v1/tasks/${taskId}`, { token });
    expect(task.body).toMatchObject({ review_state: "accepted", pull_request: { number: 1 } });
  });

  it("asks the forge for the default branch when the task started from the remote's HEAD", async () => {
    const { taskId, token } = await completedTask("https://forge.test/acme/lib.git", true, null);
    const accepted = await api.post(`/api/v1/tasks/${taskId}/accept`, { open_pull_request: true }, { token });
    expect(accepted.status).toBe(200);
    expect(forge.requests.at(-2)).toMatchObject({ method: "GET", path: "/repos/acme/lib" });
    expect(forge.requests.at(-1)?.body).toMatchObject({ base: "trunk" });
  });

  it("refuses without calling anything when the branch was not pushed or no forge serves the host", async () => {
    const before = forge.requests.length;
    const unpushed = await completedTask("git@forge.test:acme/app.git", false);
    const refused = await api.post(
      `/api/v1/tasks/${unpushed.taskId}/accept`,
      { open_pull_request: true },
      {
        token: unpushed.token,
      },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("not pushed");

    const elsewhere = await completedTask("https://elsewhere.test/acme/app.git", true);
    const noForge = await api.post(
      `/api/v1/tasks/${elsewhere.taskId}/accept`,
      { open_pull_request: true },
      {
        token: elsewhere.token,
      },
    );
    expect(noForge.status).toBe(409);
    expect(noForge.body.errors[0].field).toBe("body.open_pull_request");
    expect(forge.requests.length).toBe(before);
    // Still unreviewed: a plain accept works.
    const plain = await api.post(`/api/v1/tasks/${elsewhere.taskId}/accept`, {}, { token: elsewhere.token });
    expect(plain.status).toBe(200);
    expect(plain.body.pull_request).toBeNull();
  });

  it("leaves the revision unreviewed when the forge refuses the pull request", async () => {
    const first = await completedTask("git@forge.test:acme/dup.git", true);
    expect(
      (await api.post(`/api/v1/tasks/${first.taskId}/accept`, { open_pull_request: true }, { token: first.token }))
        .status,
    ).toBe(200);
    // Same repository, same branch name: the forge says a pull request exists already.
    const second = await completedTask("git@forge.test:acme/dup.git", true);
    const refused = await api.post(
      `/api/v1/tasks/${second.taskId}/accept`,
      { open_pull_request: true },
      {
        token: second.token,
      },
    );
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain("A pull request already exists");
    const task = await api.get(`/api/v1/tasks/${second.taskId}`, { token: second.token });
    expect(task.body).toMatchObject({ review_state: "unreviewed", pull_request: null });
  });
});
