import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { codeDispatch, type NodeCode } from "./code.ts";
import { implementReviewFix } from "./test-examples.ts";
import { RunHarness } from "./test-harness.ts";

const repo = { url: "file:///srv/git/app.git", ref: "main", check: "npm test", push: false };

/** The change a node's code task reported, as the run driver hands it to the engine. */
function change(taskId: string, checkExit: number, from?: NodeCode): NodeCode {
  return {
    task_id: taskId,
    repo: from?.repo ?? repo,
    revision: from ? from.revision + 1 : 1,
    root_task_id: from?.root_task_id ?? taskId,
    branch: `garageswarm/${taskId}-1`,
    base_sha: "1".repeat(40),
    head_sha: taskId.padEnd(40, "0"),
    pushed: false,
    files: [`src/${taskId}.ts`],
    check: { exit_code: checkExit, output: checkExit === 0 ? "ok" : `FAIL ${taskId}` },
  };
}

const diffs = new Map([["t-impl", "+const dark = true;\n"]]);
const options = { random: () => 0.5, diffOf: (taskId: string) => diffs.get(taskId) ?? null };
const dispatchOf = (h: RunHarness, nodeId: string) => h.dispatched.filter((d) => d.node_id === nodeId).at(-1)!;

describe("code nodes in the engine", () => {
  it("dispatches a repository node with its url and ref rendered, revision 1", () => {
    const h = RunHarness.fromWorkflow(structuredClone(implementReviewFix), {}, options);
    expect(dispatchOf(h, "implement").code).toEqual({ repo, workspace: null, revision: 1 });
  });

  it("shows the diff and branch downstream, continues the change, and loops on it until the check passes", () => {
    const h = RunHarness.fromWorkflow(structuredClone(implementReviewFix), {}, options);
    const implemented = change("t-impl", 1);
    h.complete("implement", "implemented", { code: implemented });
    expect(h.state.nodes.implement!.code).toEqual(implemented);
    expect(dispatchOf(h, "review").code).toBeNull();
    expect(dispatchOf(h, "review").prompt).toBe("Review branch garageswarm/t-impl-1:\n+const dark = true;\n");

    h.complete("review", "Rename the flag.");
    const fix1 = dispatchOf(h, "fix");
    expect(fix1.code).toEqual({
      repo,
      workspace: {
        from_task_id: "t-impl",
        root_task_id: "t-impl",
        branch: "garageswarm/t-impl-1",
        base_sha: "1".repeat(40),
        head_sha: implemented.head_sha,
        pushed: false,
      },
      revision: 2,
    });
    expect(fix1.prompt).toBe("Address the review:\nRename the flag.\n");

    const fixed1 = change("t-fix1", 1, implemented);
    h.complete("fix", "tried", { code: fixed1 });
    expect(h.state.nodes.passed).toMatchObject({ status: "pending", iteration: 1, json: false });
    // The loop re-entered fix: it continues its own change, which is newer than implement's.
    const fix2 = dispatchOf(h, "fix");
    expect(fix2.iteration).toBe(1);
    expect(fix2.code?.workspace).toMatchObject({ from_task_id: "t-fix1", root_task_id: "t-impl" });
    expect(fix2.code?.revision).toBe(3);
    expect(fix2.prompt).toContain("The check failed:\nFAIL t-fix1");

    h.complete("fix", "fixed", { code: change("t-fix2", 0, fixed1) });
    expect(h.finished()).toMatchObject({ status: "completed" });
  });

  it("fails the run when the check never passes within the loop's bound", () => {
    const h = RunHarness.fromWorkflow(structuredClone(implementReviewFix), {}, options);
    let last = change("t-impl", 1);
    h.complete("implement", "implemented", { code: last });
    h.complete("review", "ok");
    for (let round = 1; round <= 4; round++) {
      last = change(`t-fix${round}`, 1, last);
      h.complete("fix", "still failing", { code: last });
    }
    expect(h.dispatched.filter((d) => d.node_id === "fix")).toHaveLength(4);
    expect(h.finished()).toMatchObject({ status: "failed", error: expect.stringContaining('loop edge "passed->fix"') });
  });

  it("fails a node continuing an upstream that made no change, with no dispatch and no retry", () => {
    const h = RunHarness.fromWorkflow(structuredClone(implementReviewFix), {}, options);
    h.complete("implement", "I only talked", { code: null });
    h.complete("review", "nothing to review");
    expect(h.prompts("fix")).toEqual([]);
    expect(h.state.nodes.fix).toMatchObject({
      status: "failed",
      error:
        'workspace.from: node "implement" has no change to continue (its latest attempt did not complete a code task)',
    });
    expect(h.finished()).toMatchObject({ status: "failed" });
  });

  it.each([
    [{ repo: "--upload-pack=id" }, `repo.url ("--upload-pack=id") must not start with '-'`],
    [{ repo: "" }, 'repo.url ("") is required'],
    [{ repo: "file:///r.git", ref: "a..b" }, `repo.ref ("a..b") must not contain '..', '//' or '@{'`],
  ])("fails a repository node whose rendered values git must not be given (%o)", (input, error) => {
    const workflow = structuredClone(implementReviewFix) as any;
    workflow.definition.nodes[0].repo.ref = "{{input.ref}}";
    const h = RunHarness.fromWorkflow(workflow, { ref: "main", ...input }, options);
    expect(h.prompts("implement")).toEqual([]);
    expect(h.state.nodes.implement).toMatchObject({ status: "failed", error });
  });

  it("conditions read a node's check, branch and files", () => {
    const workflow = structuredClone(implementReviewFix) as any;
    workflow.definition.nodes[3].expression = {
      and: [
        { "==": [{ var: "nodes.fix.check.exit_code" }, 0] },
        { in: ["src/t-fix.ts", { var: "nodes.fix.files" }] },
        { "!=": [{ var: "nodes.fix.branch" }, null] },
      ],
    };
    const h = RunHarness.fromWorkflow(workflow, {}, options);
    h.complete("implement", "done", { code: change("t-impl", 0) });
    h.complete("review", "ok");
    h.complete("fix", "done", { code: change("t-fix", 0, change("t-impl", 0)) });
    expect(h.state.nodes.passed).toMatchObject({ json: true });
  });
});

describe("codeDispatch: which change a workspace node continues", () => {
  const node = {
    id: "fix",
    type: "task" as const,
    retries: 0,
    timeout_seconds: 60,
    requirements: {},
    workspace_from: "impl",
  };
  const view = { input: {}, context: {}, nodes: {}, upstream: [] };
  const impl = change("a", 0);

  it("continues its own change when it is a later revision of the upstream's chain", () => {
    const own = change("b", 1, impl);
    expect(codeDispatch(node, view, own, impl)).toMatchObject({ ok: true, code: { workspace: { from_task_id: "b" } } });
  });

  it("continues the upstream when the upstream started a new chain or moved past it", () => {
    const own = change("b", 1, impl);
    expect(codeDispatch(node, view, own, change("c", 0))).toMatchObject({
      code: { workspace: { from_task_id: "c" }, revision: 2 },
    });
    const moved = change("d", 0, own);
    expect(codeDispatch(node, view, own, moved)).toMatchObject({
      code: { workspace: { from_task_id: "d" }, revision: 4 },
    });
  });
});

describe("the example of docs/code-tasks-workflows.md", () => {
  const page = readFileSync(new URL("../../../../../docs/code-tasks-workflows.md", import.meta.url), "utf8");
  const yaml = /```yaml\n([\s\S]*?)```/.exec(page)![1]!;

  it("is a valid workflow that implements, reviews the diff, and fixes on the same branch until the check passes", () => {
    const h = RunHarness.fromWorkflow(parseYaml(yaml), {}, options);
    expect(dispatchOf(h, "implement").code).toEqual({
      repo: { url: "git@github.com:me/app.git", ref: "main", setup: "npm ci", check: "npm test", push: false },
      workspace: null,
      revision: 1,
    });
    h.complete("implement", "done", { code: change("t-impl", 0) });
    expect(dispatchOf(h, "review").prompt).toContain("+const dark = true;");
    h.complete("review", "Rename the flag.");
    expect(dispatchOf(h, "fix").code?.workspace?.from_task_id).toBe("t-impl");
    h.complete("fix", "tried", { code: change("t-fix1", 2, change("t-impl", 0)) });
    expect(dispatchOf(h, "fix").prompt).toContain("did not pass `npm test` (exit code 2):\nFAIL t-fix1");
    h.complete("fix", "fixed", { code: change("t-fix2", 0, change("t-fix1", 2, change("t-impl", 0))) });
    expect(h.finished()).toMatchObject({ status: "completed" });
  });
});
