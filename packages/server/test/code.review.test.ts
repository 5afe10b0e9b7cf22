// Code tasks over the real API: a worker (this test, through the worker routes) reports a change with its
// patch; the owner reads the patch, comments, requests changes (a follow-up task on the same branch, resuming
// the agent's session on the same worker) and accepts. Other users see none of it; a lying worker is refused.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey } from "../../../test/support/users.ts";
import { agentResult, BASE, codeResult, HEAD, PATCH, repo, runAttempt } from "./code.support.ts";
import { pull, registerWorker, report } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("code tasks", () => {
  it("refuses a repository with credentials in its URL, a hostile ref, or a tool that cannot edit, creating nothing", async ({
    api,
  }) => {
    const owner = await createUser(api);
    const bad = [
      [{ tool: "claude_code", repo: { url: "https://me:hunter2@example.com/app.git" } }, "body.repo.url"],
      [{ tool: "claude_code", repo: { url: "https://ghp_abc@example.com/app.git" } }, "body.repo.url"],
      [{ tool: "claude_code", repo: { url: "ext::sh -c id" } }, "body.repo.url"],
      [{ tool: "claude_code", repo: { url: "file:///r.git", ref: "--upload-pack=id" } }, "body.repo.ref"],
      [{ tool: "ollama", repo: { url: "file:///r.git" } }, "body.repo"],
    ] as const;
    for (const [body, field] of bad) {
      const answer = await api.post("/api/v1/tasks", { description: "work", ...body }, { token: owner.access_token });
      expect(answer.status).toBe(400);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(answer.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    const listed = await api.get("/api/v1/tasks", { token: owner.access_token });
    expect(listed.body.items).toEqual([]);
  });

  it("keeps the patch apart from the result, serves it to its owner only, and hands a worker the repository", async ({
    api,
    server,
  }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "turn verbose on", tool: "claude_code", repo },
      { token: owner.access_token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      repo: { ...repo, push: false },
      revision: 1,
      review_state: "unreviewed",
      follows_task_id: null,
    });
    const taskId = created.body.task_id as string;

    const { claimed, completed } = await runAttempt(
      api,
      owner.key,
      worker.worker_id,
      taskId,
      agentResult(codeResult()),
    );
    expect(claimed.repo).toEqual({ ...repo, push: false });
    expect(claimed.workspace).toBeNull();
    expect(completed.status).toBe(200);
    expect(completed.body.result.code).toMatchObject({ branch: "garageswarm/abcdef12-1", head_sha: HEAD });
    expect(completed.body.result.code.patch).toBeUndefined();

    const stored = await server.resources.db.execute(sql`select result from tasks where task_id = ${taskId}`);
    expect(JSON.stringify((stored as unknown as { rows: unknown[] }).rows[0])).not.toContain("verbose = true");

    const patch = await api.get(`/api/v1/tasks/${taskId}/patch`, { token: owner.access_token });
    expect(patch.status).toBe(200);
    expect(patch.headers.get("content-type")).toContain("text/x-diff");
    expect(patch.body).toBe(PATCH);

    const stranger = await createUser(api);
    for (const path of ["patch", "comments", "revisions"]) {
      const answer = await api.get(`/api/v1/tasks/${taskId}/${path}`, { token: stranger.access_token });
      expect(answer.status).toBe(404);
    }
    const foreign = await api.post(
      `/api/v1/tasks/${taskId}/comments`,
      { body: "mine now" },
      { token: stranger.access_token },
    );
    expect(foreign.status).toBe(404);
    expect((await api.post(`/api/v1/tasks/${taskId}/accept`, {}, { token: stranger.access_token })).status).toBe(404);
  });

  it("refuses a worker whose patch does not match its size or digest, and leaves the attempt running", async ({
    api,
    server,
  }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const task = await api.post(
      "/api/v1/tasks",
      { description: "x", tool: "claude_code", repo },
      { token: owner.access_token },
    );
    const taskId = task.body.task_id as string;
    const claimed = (await pull(api, owner.key, worker.worker_id)).body;
    const token = claimed.attempt_token as string;
    await report(api, owner.key, taskId, "start", { attempt_token: token });

    const wrongSize = await report(api, owner.key, taskId, "complete", {
      attempt_token: token,
      result: agentResult(codeResult(PATCH, { patch_bytes: 3 })),
    });
    expect(wrongSize.status).toBe(400);
    expect(wrongSize.body.errors[0].field).toBe("body.result.code.patch_bytes");
    const wrongDigest = await report(api, owner.key, taskId, "complete", {
      attempt_token: token,
      result: agentResult(codeResult(PATCH, { patch_sha256: "0".repeat(64) })),
    });
    expect(wrongDigest.status).toBe(400);
    expect(wrongDigest.body.errors[0].field).toBe("body.result.code.patch_sha256");

    const view = await api.get(`/api/v1/tasks/${taskId}`, { token: owner.access_token });
    expect(view.body.status).toBe("running");
    const patches = await server.resources.db.execute(
      sql`select count(*)::int as n from task_patches where task_id = ${taskId}`,
    );
    expect((patches as unknown as { rows: Array<{ n: number }> }).rows[0]!.n).toBe(0);
  });

  it("does not believe a code result for a task that names no repository", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const task = await api.post(
      "/api/v1/tasks",
      { description: "hi", tool: "claude_code" },
      { token: owner.access_token },
    );
    expect(task.body).toMatchObject({ repo: null, revision: null, review_state: null });
    const { completed } = await runAttempt(
      api,
      owner.key,
      worker.worker_id,
      task.body.task_id,
      agentResult(codeResult()),
    );
    expect(completed.status).toBe(200);
    expect(completed.body.result.code).toBeUndefined();
    const patch = await api.get(`/api/v1/tasks/${task.body.task_id}/patch`, { token: owner.access_token });
    expect(patch.status).toBe(404);
    expect(patch.body.detail).toBe("task is not a code task");
  });

  it("sends the comments back as revision 2 on the same worker and session, then accepts it", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "turn verbose on", prompt: "Set verbose to true", tool: "claude_code", repo },
      { token: owner.access_token },
    );
    const first = created.body.task_id as string;
    await runAttempt(api, owner.key, worker.worker_id, first, agentResult(codeResult(), "session-abc"));
    const token = owner.access_token;

    // Nothing to send yet: refused, and the revision stays unreviewed.
    const empty = await api.post(`/api/v1/tasks/${first}/request-changes`, {}, { token });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe("body.message");
    expect((await api.get(`/api/v1/tasks/${first}`, { token })).body.review_state).toBe("unreviewed");

    const outside = await api.post(
      `/api/v1/tasks/${first}/comments`,
      { body: "?", path: "README.md", line: 1 },
      { token },
    );
    expect(outside.status).toBe(400);
    expect(outside.body.errors[0].field).toBe("body.path");
    const lineWithoutPath = await api.post(`/api/v1/tasks/${first}/comments`, { body: "?", line: 4 }, { token });
    expect(lineWithoutPath.status).toBe(400);
    expect(lineWithoutPath.body.errors[0].field).toBe("body.path");

    const onLine = await api.post(
      `/api/v1/tasks/${first}/comments`,
      { body: "Call it `loud`", path: "src/app.ts", line: 3 },
      { token },
    );
    expect(onLine.status).toBe(201);
    expect(onLine.body).toMatchObject({ path: "src/app.ts", line: 3, side: "new", sent_in_task_id: null });
    const whole = await api.post(`/api/v1/tasks/${first}/comments`, { body: "Add a test" }, { token });
    const dropped = await api.post(`/api/v1/tasks/${first}/comments`, { body: "never mind" }, { token });
    expect((await api.delete(`/api/v1/tasks/${first}/comments/${dropped.body.comment_id}`, { token })).status).toBe(
      204,
    );

    const requested = await api.post(`/api/v1/tasks/${first}/request-changes`, { message: "Nearly." }, { token });
    expect(requested.status).toBe(201);
    const second = requested.body.task_id as string;
    expect(requested.body).toMatchObject({
      follows_task_id: first,
      revision: 2,
      review_state: "unreviewed",
      status: "queued",
      tool: "claude_code",
      pinned_worker_id: worker.worker_id,
      repo: { ...repo, push: false },
    });
    expect(requested.body.prompt).toContain("1. src/app.ts:3: Call it `loud`");
    expect(requested.body.prompt).toContain("2. On the whole change: Add a test");
    expect(requested.body.prompt).toContain("Nearly.");
    expect(requested.body.prompt).not.toContain("never mind");
    expect((await api.get(`/api/v1/tasks/${first}`, { token })).body.review_state).toBe("changes_requested");

    const comments = (await api.get(`/api/v1/tasks/${first}/comments`, { token })).body.items;
    expect(comments.map((comment: { sent_in_task_id: string }) => comment.sent_in_task_id)).toEqual([second, second]);
    const sentDelete = await api.delete(`/api/v1/tasks/${first}/comments/${whole.body.comment_id}`, { token });
    expect(sentDelete.status).toBe(409);
    expect((await api.post(`/api/v1/tasks/${first}/request-changes`, { message: "again" }, { token })).status).toBe(
      409,
    );
    expect((await api.post(`/api/v1/tasks/${first}/accept`, {}, { token })).status).toBe(409);

    // The worker that made revision 1 gets revision 2, resuming its session on the same branch.
    const claimed = await pull(api, owner.key, worker.worker_id);
    expect(claimed.body).toMatchObject({
      task_id: second,
      resume_session_id: "session-abc",
      resume_turn: "prompt",
      workspace: {
        from_task_id: first,
        root_task_id: first,
        branch: "garageswarm/abcdef12-1",
        base_sha: BASE,
        head_sha: HEAD,
        pushed: false,
      },
    });
    const attemptToken = claimed.body.attempt_token as string;
    const workspacePatch = await api.get(`/api/v1/tasks/${second}/workspace.patch?attempt_token=${attemptToken}`, {
      token: owner.key,
    });
    expect(workspacePatch.status).toBe(200);
    expect(workspacePatch.body).toBe(PATCH);
    const staleToken = await api.get(`/api/v1/tasks/${second}/workspace.patch?attempt_token=${crypto.randomUUID()}`, {
      token: owner.key,
    });
    expect(staleToken.status).toBe(404);

    const HEAD2 = "3".repeat(40);
    const patch2 = `${PATCH}diff --git a/test/app.test.ts b/test/app.test.ts\nnew file mode 100644\n`;
    await report(api, owner.key, second, "start", { attempt_token: attemptToken });
    const done = await report(api, owner.key, second, "complete", {
      attempt_token: attemptToken,
      result: agentResult(codeResult(patch2, { head_sha: HEAD2, ahead: 2 }), "session-abc"),
    });
    expect(done.status).toBe(200);

    const revisions = await api.get(`/api/v1/tasks/${second}/revisions`, { token });
    expect(
      revisions.body.items.map((task: { task_id: string; revision: number }) => [task.task_id, task.revision]),
    ).toEqual([
      [first, 1],
      [second, 2],
    ]);
    expect((await api.get(`/api/v1/tasks/${first}/revisions`, { token })).body.items).toHaveLength(2);

    const accepted = await api.post(`/api/v1/tasks/${second}/accept`, {}, { token });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({
      patch_url: `/api/v1/tasks/${second}/patch`,
      merge_command: null,
      apply_command: `garageswarm task patch ${second} | git apply --index`,
      pull_request: null,
    });
    expect((await api.get(`/api/v1/tasks/${second}`, { token })).body.review_state).toBe("accepted");
    expect((await api.post(`/api/v1/tasks/${second}/accept`, {}, { token })).status).toBe(409);
    expect((await api.get(`/api/v1/tasks/${second}/patch`, { token })).body).toBe(patch2);
  });

  it("starts a fresh session anywhere when the worker that made the revision is gone", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const worker = await registerWorker(api, owner.key);
    const created = await api.post(
      "/api/v1/tasks",
      { description: "turn verbose on", tool: "claude_code", repo: { ...repo, push: true } },
      { token: owner.access_token },
    );
    const first = created.body.task_id as string;
    await runAttempt(api, owner.key, worker.worker_id, first, agentResult(codeResult(PATCH, { pushed: true })));
    expect((await api.delete(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).status).toBe(204);

    const requested = await api.post(
      `/api/v1/tasks/${first}/request-changes`,
      { message: "Also add a test" },
      { token: owner.access_token },
    );
    expect(requested.status).toBe(201);
    expect(requested.body.pinned_worker_id).toBeNull();
    const other = await registerWorker(api, owner.key);
    const claimed = await pull(api, owner.key, other.worker_id);
    expect(claimed.body).toMatchObject({ task_id: requested.body.task_id, resume_session_id: null });
    expect(claimed.body.workspace).toMatchObject({ pushed: true, branch: "garageswarm/abcdef12-1" });
  });

  it("scores a worker that ran a task of the repository as holding its clone", async ({ api }) => {
    const owner = await createUserWithKey(api);
    const veteran = await registerWorker(api, owner.key);
    const first = await api.post(
      "/api/v1/tasks",
      { description: "one", tool: "claude_code", repo },
      { token: owner.access_token },
    );
    await runAttempt(api, owner.key, veteran.worker_id, first.body.task_id, agentResult(codeResult()));
    await registerWorker(api, owner.key);

    const second = await api.post(
      "/api/v1/tasks",
      { description: "two", tool: "claude_code", repo },
      { token: owner.access_token },
    );
    const claimed = await pull(api, owner.key, veteran.worker_id);
    expect(claimed.body.task_id).toBe(second.body.task_id);
    const scored = await api.get(`/api/v1/tasks/${second.body.task_id}`, { token: owner.access_token });
    expect(scored.body.score).toMatchObject({
      worker_id: veteran.worker_id,
      repo_cached: true,
      affinity: 0.5,
      candidates: 2,
    });
  });

  it("saves repositories per user, by unique name, without credentials", async ({ api }) => {
    const owner = await createUser(api);
    const token = owner.access_token;
    const created = await api.post(
      "/api/v1/repos",
      { name: "app", url: "git@github.com:acme/app.git", default_ref: "main", check: "npm test" },
      { token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "app", push: false, setup: null, check: "npm test" });
    const id = created.body.repo_id as string;

    const twice = await api.post("/api/v1/repos", { name: "app", url: "file:///x.git" }, { token });
    expect(twice.status).toBe(409);
    expect(twice.body.errors[0].field).toBe("body.name");
    const secret = await api.post("/api/v1/repos", { name: "b", url: "https://tok@example.com/b.git" }, { token });
    expect(secret.status).toBe(400);
    expect(secret.body.errors[0].field).toBe("body.url");

    const cleared = await api.patch(`/api/v1/repos/${id}`, { check: null, push: true }, { token });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ check: null, push: true, default_ref: "main" });
    const other = await api.post("/api/v1/repos", { name: "lib", url: "file:///lib.git" }, { token });
    const renameClash = await api.patch(`/api/v1/repos/${other.body.repo_id}`, { name: "app" }, { token });
    expect(renameClash.status).toBe(409);

    const stranger = await createUser(api);
    expect((await api.get(`/api/v1/repos/${id}`, { token: stranger.access_token })).status).toBe(404);
    expect((await api.patch(`/api/v1/repos/${id}`, { name: "mine" }, { token: stranger.access_token })).status).toBe(
      404,
    );
    expect((await api.delete(`/api/v1/repos/${id}`, { token: stranger.access_token })).status).toBe(404);
    expect((await api.get("/api/v1/repos", { token: stranger.access_token })).body.items).toEqual([]);

    expect((await api.get("/api/v1/repos", { token })).body.items.map((r: { name: string }) => r.name)).toEqual([
      "app",
      "lib",
    ]);
    expect((await api.delete(`/api/v1/repos/${id}`, { token })).status).toBe(204);
    expect((await api.get(`/api/v1/repos/${id}`, { token })).status).toBe(404);
  });
});
