// A code task with the real Claude Code 2.1.332 against the fake Anthropic API: the model's Write tool calls
// land in the task's worktree, the change is committed and reported with a patch that applies onto the base,
// and a review round resumes the same Claude Code session (`--resume`) in the same worktree — the directory
// Claude Code keys its sessions by — adding revision 2 on the same branch.
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskWorkspace } from "@garageswarm/protocol";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeWithRealClis,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { CloneCache } from "../../src/code/clone-cache.ts";
import { CodeTasks } from "../../src/code/code-tasks.ts";
import { gitEnvironment } from "../../src/code/git.ts";
import { Worktrees } from "../../src/code/worktrees.ts";
import { Executor } from "../../src/executor/executor.ts";
import { Workdirs } from "../../src/executor/workdir.ts";
import { toolEnvironment } from "../../src/tools/environment.ts";
import { createToolRegistry } from "../../src/tools/registry.ts";
import { createGitRemote, gitIn } from "../support/git-remote.ts";

const OWNER = "aaaaaaaa-1111-4222-8333-444455556666";
const TASK = "c0de0000-1111-4222-8333-444455556666";
const ROUND_2 = "c0de0002-1111-4222-8333-444455556666";

describeWithRealClis("a code task with the real Claude Code", () => {
  let harness: RealCliHarness;
  beforeAll(async () => {
    harness = await startRealCliHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  it("commits what its Write calls made, reports the patch, and resumes the session for a review round", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "README.md": "# demo\n" });
    const homes = await harness.newHome();
    const passEnv = ["DISABLE_AUTOUPDATER", "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING"];
    const registry = createToolRegistry({ env: homes.claude_code, passEnv, claudeCommand: harness.commands.claude });
    const stateDir = await mkdtemp(join(tmpdir(), "gs-real-code-state-"));
    const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-real-code-work-")) });
    const commandEnv = toolEnvironment("shell", homes.claude_code, passEnv);
    const worktrees = await Worktrees.open({
      root: `${workdirs.root}.worktrees`,
      retentionSeconds: 3600,
      git: { env: gitEnvironment(commandEnv, {}, true), untrusted: true },
    });
    const code = new CodeTasks({
      cache: new CloneCache(join(stateDir, "repos")),
      worktrees: () => worktrees,
      sourceEnv: homes.claude_code,
      commandEnv,
      ownerUserId: () => OWNER,
      fetchStoredPatch: async () => {
        throw new Error("a same-worker round never needs the stored patch");
      },
    });
    const executor = new Executor({ tools: registry, workdirs, slots: 1, code });

    harness.anthropic.script(
      { kind: "tool_use", name: "Write", input: { file_path: "{{cwd}}/NOTES.md", content: "# Notes\n\nfirst\n" } },
      { kind: "text", text: "Wrote NOTES.md." },
    );
    const task = {
      task_id: TASK,
      tool: "claude_code" as const,
      prompt: "Write the notes",
      options: {},
      owner_user_id: OWNER,
      attempt: 1,
      repo: { url: remote.url, push: false, check: "grep -q first NOTES.md" },
    };
    const first = await executor.start(task);
    expect(first.status, JSON.stringify(first)).toBe("completed");
    if (first.status !== "completed") return;
    const change = first.result.code;
    expect(first.result.output).toBe("Wrote NOTES.md.");
    expect(change).toMatchObject({
      base_sha: base,
      branch: "garageswarm/c0de0000-1",
      ahead: 1,
      files: [{ path: "NOTES.md", status: "added", additions: 3, deletions: 0 }],
      check: { command: "grep -q first NOTES.md", exit_code: 0 },
    });
    const applies = execFile("git", ["apply", "--check", "--binary", "-"], { cwd: remote.work });
    applies.stdin?.end(change?.patch);
    expect(await new Promise((resolve) => applies.on("exit", resolve))).toBe(0);
    const sessionId = first.result.detail.session_id as string;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const worktree = worktrees.pathFor(OWNER, TASK);
    await executor.reported(TASK);

    // The review round: Claude Code resumes its session in the same worktree and writes one more file.
    const requestsBefore = harness.anthropic.requests.length;
    harness.anthropic.script(
      { kind: "tool_use", name: "Write", input: { file_path: "{{cwd}}/REVIEW.md", content: "addressed\n" } },
      { kind: "text", text: "Addressed the review." },
    );
    const workspace: TaskWorkspace = {
      from_task_id: TASK,
      root_task_id: TASK,
      branch: change?.branch ?? "",
      base_sha: base,
      head_sha: change?.head_sha ?? "",
      pushed: false,
    };
    const second = await executor.start({
      ...task,
      task_id: ROUND_2,
      prompt: "A reviewer asks: add REVIEW.md",
      resume_session_id: sessionId,
      resume_turn: "prompt",
      workspace,
    });
    expect(second.status, JSON.stringify(second)).toBe("completed");
    if (second.status !== "completed") return;
    expect(second.result.detail.session_id).toBe(sessionId);
    expect(second.result.code).toMatchObject({ base_sha: base, branch: "garageswarm/c0de0000-1", ahead: 2 });
    expect(second.result.code?.files.map((file) => file.path)).toEqual(["NOTES.md", "REVIEW.md"]);
    // The resumed call carried the first round's conversation: the same session, not a fresh one.
    const resumed = JSON.stringify(
      harness.anthropic.requests.slice(requestsBefore).find((request) => request.url.startsWith("/v1/messages?"))?.body,
    );
    expect(resumed).toContain("Write the notes");
    expect(resumed).toContain("A reviewer asks: add REVIEW.md");
    expect(await readFile(join(worktree, "REVIEW.md"), "utf8")).toBe("addressed\n");
    expect((await gitIn(worktree, "log", "--format=%an", "-2")).trim().split("\n")).toEqual([
      "claude_code agent",
      "claude_code agent",
    ]);
    await executor.reported(ROUND_2);
  });
});
