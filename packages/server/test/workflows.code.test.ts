// Workflow nodes that work on repositories, over the real API, queue and advancer: a test worker pulls each
// node's task through the worker routes and completes it with a code result and its patch. The engine's
// tasks carry the repository (rendered), the workspace continuing an upstream change and its revision;
// templates show the upstream diff and branch; a condition branches on the check's exit code.
import { createHash } from "node:crypto";
import { ToolId } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { implementReviewFix } from "../src/workflows/engine/test-examples.ts";
import { DIFF_TEMPLATE_CHARS } from "../src/workflows/runs/diffs.ts";
import { registerWorker } from "./queue.support.ts";
import { type Claimed, nodeOf, useRunTest } from "./workflows.runs.support.ts";

const BASE = "1".repeat(40);

function patchOf(node: string, round: number) {
  return `diff --git a/src/${node}.ts b/src/${node}.ts
--- a/src/${node}.ts
+++ b/src/${node}.ts
@@ -1 +1,2 @@
 export const name = "app";
+export const ${node}${round} = true;
`;
}

/** What a worker reports for a code task: its change (one commit over the base) and the check's result. */
function codeResult(task: Claimed, checkExit: number, round = 1) {
  const patch = patchOf(task.node_id, round);
  const head = createHash("sha1").update(`${task.task_id}`).digest("hex");
  return {
    output: `${task.node_id} changed src/${task.node_id}.ts`,
    exit_code: 0,
    code: {
      repo_url: (task.repo as { url: string }).url,
      base_ref: (task.repo as { ref?: string }).ref ?? null,
      base_sha: BASE,
      head_sha: head,
      branch: `garageswarm/${task.task_id.slice(0, 8)}-1`,
      files: [
        {
          path: `src/${task.node_id}.ts`,
          old_path: null,
          status: "modified",
          additions: 1,
          deletions: 0,
          binary: false,
        },
      ],
      additions: 1,
      deletions: 0,
      patch_bytes: Buffer.byteLength(patch),
      patch_sha256: createHash("sha256").update(patch).digest("hex"),
      patch,
      check: {
        command: "npm test",
        exit_code: checkExit,
        output: checkExit === 0 ? "all tests pass\n" : `FAIL ${task.node_id}.test.ts\n`,
        duration_ms: 50,
        timed_out: false,
      },
      pushed: false,
      ahead: 1,
    },
  };
}

describe.skipIf(postgresStackMissing())("workflows: nodes that work on repositories", () => {
  const t = useRunTest({ heartbeatIntervalSeconds: 60 });

  /** Steps the run and claims its next task (started), or null when none is queued. */
  async function next(): Promise<Claimed | null> {
    await t.step();
    const task = await t.pullOne();
    if (!task) return null;
    const started = await t.api.post(
      `/api/v1/tasks/${task.task_id}/start`,
      { attempt_token: task.attempt_token },
      { token: t.owner.key },
    );
    expect(started.status).toBe(200);
    return task;
  }

  async function complete(task: Claimed, result: unknown) {
    const response = await t.api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: task.attempt_token, result },
      { token: t.owner.key },
    );
    expect(response.status).toBe(200);
  }

  const reviewGraph = {
    workflow_type: "graph",
    input: { feature: "dark mode", repo: "file:///srv/git/app.git" },
    context: { base: "main" },
    definition: {
      nodes: [
        {
          id: "implement",
          type: "task",
          tool: "claude_code",
          prompt: "Implement {{input.feature}}.",
          repo: { url: "{{input.repo}}", ref: "{{context.base}}", check: "npm test" },
        },
        {
          id: "review",
          type: "task",
          tool: "codex_cli",
          prompt:
            "Review branch {{nodes.implement.branch}} (files: {{nodes.implement.files}}) and fix what you find:\n{{nodes.implement.diff}}",
          workspace: { from: "implement" },
        },
        { id: "passed", type: "condition", expression: { "==": [{ var: "nodes.review.check.exit_code" }, 0] } },
        { id: "ship", type: "task", tool: "ollama", prompt: "Announce {{nodes.review.branch}}." },
        { id: "report", type: "task", tool: "ollama", prompt: "The check failed:\n{{nodes.review.check.output}}" },
      ],
      edges: [
        { from: "implement", to: "review" },
        { from: "review", to: "passed" },
        { from: "passed", to: "ship", when: true },
        { from: "passed", to: "report", when: false },
      ],
    },
  };

  it.each([
    [0, "ship", "report"],
    [1, "report", "ship"],
  ])(
    "implement -> review (continuing its branch, seeing its diff) -> the check's exit code %i takes %s",
    async (checkExit, taken, skipped) => {
      const workflowId = await t.createWorkflow(reviewGraph);
      const runId = await t.execute(workflowId);

      const implement = (await next())!;
      expect(implement).toMatchObject({
        node_id: "implement",
        prompt: "Implement dark mode.",
        repo: { url: "file:///srv/git/app.git", ref: "main", check: "npm test", push: false },
        workspace: null,
      });
      const implementView = await t.api.get(`/api/v1/tasks/${implement.task_id}`, t.as());
      expect(implementView.body).toMatchObject({ revision: 1, review_state: "unreviewed", follows_task_id: null });
      const implemented = codeResult(implement, 0);
      await complete(implement, implemented);

      const review = (await next())!;
      expect(review.node_id).toBe("review");
      expect(review.repo).toEqual(implement.repo);
      expect(review.workspace).toEqual({
        from_task_id: implement.task_id,
        root_task_id: implement.task_id,
        branch: implemented.code.branch,
        base_sha: BASE,
        head_sha: implemented.code.head_sha,
        pushed: false,
      });
      expect(review.prompt).toBe(
        `Review branch ${implemented.code.branch} (files: ["src/implement.ts"]) and fix what you find:\n${patchOf("implement", 1)}`,
      );
      const reviewView = await t.api.get(`/api/v1/tasks/${review.task_id}`, t.as());
      expect(reviewView.body).toMatchObject({ revision: 2, review_state: "unreviewed", run_id: runId });
      // Only the latest revision of a chain is reviewed: the one continued has left review.
      const continued = await t.api.get(`/api/v1/tasks/${implement.task_id}`, t.as());
      expect(continued.body.review_state).toBe("changes_requested");
      expect((await t.api.post(`/api/v1/tasks/${implement.task_id}/accept`, {}, t.as())).status).toBe(409);
      const revisions = await t.api.get(`/api/v1/tasks/${review.task_id}/revisions`, t.as());
      expect(revisions.body.items.map((task: { task_id: string }) => task.task_id)).toEqual([
        implement.task_id,
        review.task_id,
      ]);
      // The branch was not pushed: the worker holding the review fetches the change it continues.
      const workspacePatch = await t.api.get(
        `/api/v1/tasks/${review.task_id}/workspace.patch?attempt_token=${review.attempt_token}`,
        { token: t.owner.key },
      );
      expect(workspacePatch.status).toBe(200);
      expect(workspacePatch.body).toBe(patchOf("implement", 1));
      const reviewed = codeResult(review, checkExit);
      await complete(review, reviewed);

      const last = (await next())!;
      expect(last.node_id).toBe(taken);
      expect(last).toMatchObject({ repo: null, workspace: null });
      expect(last.prompt).toBe(
        taken === "ship" ? `Announce ${reviewed.code.branch}.` : `The check failed:\nFAIL review.test.ts\n`,
      );
      await complete(last, { output: "done", exit_code: 0 });
      await t.step();
      const run = await t.getRun(runId);
      expect(run.status).toBe("completed");
      expect(nodeOf(run, "passed")).toMatchObject({ status: "completed", output: String(checkExit === 0) });
      expect(nodeOf(run, skipped).status).toBe("skipped");
    },
  );

  it("loops the fixing agent on its own branch until the check passes (bounded)", async () => {
    const workflowId = await t.createWorkflow(structuredClone(implementReviewFix));
    const runId = await t.execute(workflowId);

    const implement = (await next())!;
    expect(implement.repo).toMatchObject({ url: "file:///srv/git/app.git", ref: "main" });
    await complete(implement, codeResult(implement, 1));
    // Another machine reviews; the fix goes back to the one holding implement's worktree.
    const reviewer = await registerWorker(t.api, t.owner.key, { tools: [...ToolId.options], slots: 8 });
    await t.step();
    const review = (await t.pullOne(reviewer.worker_id))!;
    await t.api.post(
      `/api/v1/tasks/${review.task_id}/start`,
      { attempt_token: review.attempt_token },
      { token: t.owner.key },
    );
    expect(review).toMatchObject({ node_id: "review", repo: null, workspace: null });
    expect(review.prompt).toContain(patchOf("implement", 1));
    await complete(review, { output: "Rename the flag.", exit_code: 0 });

    const fix1 = (await next())!;
    expect(fix1.workspace).toMatchObject({ from_task_id: implement.task_id, root_task_id: implement.task_id });
    expect(fix1.options).toEqual({ prefer_worker_id: t.owner.workerId });
    expect(fix1.prompt).toBe("Address the review:\nRename the flag.\n");
    await complete(fix1, codeResult(fix1, 1, 1));

    // The check failed: the loop re-enters fix, which continues its own change, seeing the check's output.
    const fix2 = (await next())!;
    expect(fix2.node_id).toBe("fix");
    expect(fix2.workspace).toMatchObject({ from_task_id: fix1.task_id, root_task_id: implement.task_id });
    expect(fix2.prompt).toContain("The check failed:\nFAIL fix.test.ts\n");
    expect((await t.api.get(`/api/v1/tasks/${fix2.task_id}`, t.as())).body.revision).toBe(3);
    await complete(fix2, codeResult(fix2, 0, 2));

    await t.step();
    const run = await t.getRun(runId);
    expect(run.status).toBe("completed");
    expect(nodeOf(run, "fix")).toMatchObject({ status: "completed", iteration: 1 });
  });

  it("cuts a long diff in a prompt at DIFF_TEMPLATE_CHARS, saying where the whole patch is", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "graph",
      definition: {
        nodes: [
          {
            id: "implement",
            type: "task",
            tool: "claude_code",
            prompt: "Go.",
            repo: { url: "file:///srv/git/app.git" },
          },
          { id: "review", type: "task", tool: "ollama", prompt: "Review:\n{{nodes.implement.diff}}\nEnd." },
        ],
        edges: [{ from: "implement", to: "review" }],
      },
    });
    await t.execute(workflowId);
    const implement = (await next())!;
    const result = codeResult(implement, 0);
    const patch = `${result.code.patch}${"+// a long generated file\n".repeat(8_000)}`;
    result.code.patch = patch;
    result.code.patch_bytes = Buffer.byteLength(patch);
    result.code.patch_sha256 = createHash("sha256").update(patch).digest("hex");
    await complete(implement, result);

    const review = (await next())!;
    expect(patch.length).toBeGreaterThan(DIFF_TEMPLATE_CHARS);
    expect(review.prompt).toBe(
      `Review:\n${patch.slice(0, DIFF_TEMPLATE_CHARS)}\n[the diff is cut at ${DIFF_TEMPLATE_CHARS} characters of ${patch.length} bytes; the whole patch: GET /api/v1/tasks/${implement.task_id}/patch]\n\nEnd.`,
    );
  });

  it("refuses a worker's change on a branch git would read as an option: it would reach the next worker", async () => {
    const workflowId = await t.createWorkflow(reviewGraph);
    await t.execute(workflowId);
    const implement = (await next())!;
    const lying = codeResult(implement, 0);
    lying.code.branch = "--upload-pack=touch /tmp/pwned";
    const response = await t.api.post(
      `/api/v1/tasks/${implement.task_id}/complete`,
      { attempt_token: implement.attempt_token, result: lying },
      { token: t.owner.key },
    );
    expect(response.status).toBe(400);
    expect(response.body.errors[0].field).toBe("body.result.code.branch");
    expect((await t.api.get(`/api/v1/tasks/${implement.task_id}`, t.as())).body.status).toBe("running");
  });

  it("fails a continuing node whose upstream made no change, rather than running it in an empty directory", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "graph",
      definition: {
        nodes: [
          {
            id: "implement",
            type: "task",
            tool: "claude_code",
            prompt: "Implement it.",
            repo: { url: "file:///srv/git/app.git" },
          },
          { id: "salvage", type: "task", tool: "claude_code", prompt: "Salvage.", workspace: { from: "implement" } },
        ],
        edges: [{ from: "implement", to: "salvage", on: "failure" }],
      },
    });
    const runId = await t.execute(workflowId);
    const implement = (await next())!;
    const failed = await t.api.post(
      `/api/v1/tasks/${implement.task_id}/fail`,
      { attempt_token: implement.attempt_token, error: "the agent gave up", retryable: false },
      { token: t.owner.key },
    );
    expect(failed.status).toBe(200);
    expect(await next()).toBeNull();
    const run = await t.getRun(runId);
    expect(run.status).toBe("failed");
    expect(nodeOf(run, "salvage")).toMatchObject({
      status: "failed",
      task_id: null,
      error:
        'workspace.from: node "implement" has no change to continue (its latest attempt did not complete a code task)',
    });
    expect(run.error).toContain('node "salvage" failed: workspace.from');
  });

  it("fails a node whose rendered repository URL git must not be given, naming the field, with no task", async () => {
    const workflowId = await t.createWorkflow({
      workflow_type: "graph",
      definition: {
        nodes: [{ id: "implement", type: "task", tool: "claude_code", prompt: "Go.", repo: { url: "{{input.repo}}" } }],
      },
    });
    const runId = await t.execute(workflowId, { repo: "--upload-pack=touch /tmp/pwned" });
    expect(await next()).toBeNull();
    const run = await t.getRun(runId);
    expect(run.status).toBe("failed");
    expect(nodeOf(run, "implement")).toMatchObject({
      status: "failed",
      task_id: null,
      error: "repo.url (\"--upload-pack=touch /tmp/pwned\") must not start with '-'",
    });
  });

  it("refuses bad definitions on create and update with the field named, storing nothing", async () => {
    const bad: Array<[(definition: any) => void, string, RegExp]> = [
      [
        (d) => {
          d.nodes[1].repo = { url: "file:///srv/git/app.git" };
        },
        "body.definition.nodes[1].workspace",
        /not both/,
      ],
      [
        (d) => {
          d.nodes[1].workspace.from = "passed";
        },
        "body.definition.nodes[1].workspace.from",
        /not upstream/,
      ],
      [
        (d) => {
          d.nodes[1].tool = "ollama";
        },
        "body.definition.nodes[1].tool",
        /needs a tool that edits files/,
      ],
      [
        (d) => {
          d.nodes[0].repo.url = "https://me:token@git.example/app.git";
        },
        "body.definition.nodes[0].repo.url",
        /must not contain a password/,
      ],
      [
        (d) => {
          d.nodes[0].repo.ref = "{{nodes.review.output}}";
        },
        "body.definition.nodes[0].repo.ref",
        /names start with input, context/,
      ],
      [
        (d) => {
          d.nodes[4].workspace = { from: "implement" };
        },
        "body.definition.nodes[4].tool",
        /needs a tool that edits files/,
      ],
    ];
    const before = (await t.api.get("/api/v1/workflows", t.as())).body.items.length;
    const workflowId = await t.createWorkflow(reviewGraph);
    for (const [change, field, message] of bad) {
      const definition = structuredClone(reviewGraph.definition);
      change(definition);
      const created = await t.api.post("/api/v1/workflows", { ...reviewGraph, name: "bad", definition }, t.as());
      expect(created.status).toBe(400);
      expect(created.headers.get("content-type")).toContain("application/problem+json");
      expect(created.body.errors[0]).toMatchObject({ field, message: expect.stringMatching(message) });
      const updated = await t.api.patch(`/api/v1/workflows/${workflowId}`, { definition }, t.as());
      expect(updated.status).toBe(400);
      expect(updated.body.errors[0]).toMatchObject({ field, message: expect.stringMatching(message) });
    }
    expect((await t.api.get("/api/v1/workflows", t.as())).body.items.length).toBe(before + 1);
    const kept = await t.api.get(`/api/v1/workflows/${workflowId}`, t.as());
    expect(kept.body.definition.nodes[1]).toMatchObject({ tool: "codex_cli", workspace: { from: "implement" } });
  });
});
