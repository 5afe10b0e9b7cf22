import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_PATCH_BYTES, type TaskResult, type TaskWorkspace } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { createGitRemote, type GitRemote, gitIn } from "../../test/support/git-remote.ts";
import { ToolInputError, ToolRunError } from "../tools/errors.ts";
import { CloneCache } from "./clone-cache.ts";
import { type CodeTask, type CodeTaskContext, runCodeTask } from "./code-task.ts";
import { gitEnvironment } from "./git.ts";

const TASK = "0b9c1d2e-1111-4222-8333-444455556666";
const FOLLOW_UP = "1c2d3e4f-1111-4222-8333-444455556666";
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

async function harness(remote: GitRemote, options: { dir?: string; cache?: CloneCache } = {}) {
  const cache = options.cache ?? new CloneCache(join(await mkdtemp(join(tmpdir(), "gs-state-")), "repos"));
  const dir = options.dir ?? join(await mkdtemp(join(tmpdir(), "gs-wt-")), TASK);
  const storedPatches: TaskWorkspace[] = [];
  let storedPatch = "";
  const context: CodeTaskContext = {
    cache,
    git: { env: gitEnvironment(baseEnv, {}, false), untrusted: false },
    commandEnv: baseEnv,
    dir,
    signal: new AbortController().signal,
    fetchStoredPatch: async (workspace) => {
      storedPatches.push(workspace);
      return storedPatch;
    },
  };
  return {
    cache,
    dir,
    context,
    storedPatches,
    setStoredPatch: (patch: string) => {
      storedPatch = patch;
    },
    url: remote.url,
  };
}

function task(remote: GitRemote, extra: Partial<CodeTask> = {}): CodeTask {
  return {
    task_id: TASK,
    attempt: 1,
    tool: "claude_code",
    prompt: "Add a greeting\n\nmore words",
    repo: { url: remote.url, push: false },
    ...extra,
  };
}

/** Stands in for the agent: writes (or deletes) files in its workdir and answers. */
function agentWriting(files: Record<string, string | Buffer | null>, seen?: string[]) {
  return async (workdir: string): Promise<TaskResult> => {
    seen?.push(workdir);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) await rm(join(workdir, path));
      else await writeFile(join(workdir, path), content);
    }
    return {
      output: "done",
      usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
      exit_code: 0,
      artifacts: [],
      detail: { session_id: "s-1" },
    };
  };
}

/** The patch applied with `git apply` onto a fresh checkout of `base` gives the files of `head`. */
async function expectPatchRebuilds(remote: GitRemote, patch: string, base: string, head: string, clone: string) {
  const check = join(await mkdtemp(join(tmpdir(), "gs-apply-")), "c");
  await gitIn(remote.work, "worktree", "add", "--quiet", "--detach", check, base);
  const child = execFile("git", ["apply", "--index", "--binary", "-"], { cwd: check });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  child.stdin?.end(patch);
  expect(await exited).toBe(0);
  const tree = (await gitIn(check, "write-tree")).trim();
  const headTree = (await gitIn(clone, "rev-parse", `${head}^{tree}`)).trim();
  expect(tree).toBe(headTree);
}

describe("runCodeTask", () => {
  it("runs the agent in a worktree on its own branch, commits its leftovers and reports the change", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({
      "keep.txt": "same\n",
      "edit.txt": "one\ntwo\n",
      "gone.txt": "bye\n",
      "old-name.txt": "moving file\nwith lines\nthat stay\n",
    });
    const h = await harness(remote);
    const seen: string[] = [];
    const binary = Buffer.from([0, 1, 2, 3, 255, 0, 7]);
    const result = await runCodeTask(task(remote), h.context, async (workdir) => {
      await gitIn(workdir, "mv", "old-name.txt", "new-name.txt");
      return agentWriting(
        { "edit.txt": "one\nTWO\nthree\n", "gone.txt": null, "added.txt": "hello\n", "blob.bin": binary },
        seen,
      )(workdir);
    });

    expect(seen).toEqual([h.dir]);
    const code = result.code!;
    expect(code).toMatchObject({
      repo_url: remote.url,
      base_ref: null,
      base_sha: base,
      branch: "garageswarm/0b9c1d2e-1",
      ahead: 1,
      behind: 0,
      pushed: false,
      setup: null,
      check: null,
    });
    expect(result.output).toBe("done");
    const byPath = Object.fromEntries(code.files.map((file) => [file.path, file]));
    expect(byPath["edit.txt"]).toMatchObject({ status: "modified", additions: 2, deletions: 1, binary: false });
    expect(byPath["gone.txt"]).toMatchObject({ status: "deleted", additions: 0, deletions: 1 });
    expect(byPath["added.txt"]).toMatchObject({ status: "added", additions: 1, deletions: 0 });
    expect(byPath["blob.bin"]).toMatchObject({ status: "added", binary: true, additions: 0 });
    expect(byPath["new-name.txt"]).toMatchObject({
      status: "renamed",
      old_path: "old-name.txt",
      additions: 0,
      deletions: 0,
    });
    expect(code.files).toHaveLength(5);
    expect(code.additions).toBe(3);
    expect(code.deletions).toBe(2);

    // The leftovers became one commit by the agent, with the prompt's first line and the task trailer.
    const clone = h.cache.pathOf(remote.url);
    const log = await gitIn(clone, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%B", code.head_sha);
    expect(log).toBe(
      `claude_code agent <agent@garageswarm.invalid>|claude_code agent <agent@garageswarm.invalid>|Add a greeting\n\nGarageSwarm-Task: ${TASK}\n\n`,
    );
    expect((await gitIn(clone, "rev-parse", "refs/heads/garageswarm/0b9c1d2e-1")).trim()).toBe(code.head_sha);

    expect(code.patch_bytes).toBe(Buffer.byteLength(code.patch!));
    expect(code.patch_sha256).toMatch(/^[0-9a-f]{64}$/);
    await expectPatchRebuilds(remote, code.patch!, base, code.head_sha, clone);
  });

  it("names the branch after the attempt, starts from a tag or SHA, and counts what the base branch gained", async () => {
    const remote = await createGitRemote();
    const first = await remote.commit({ "a.txt": "1\n" });
    await remote.tag("v1");
    const h = await harness(remote);
    const fromTag = await runCodeTask(
      task(remote, { attempt: 3, repo: { url: remote.url, ref: "v1", push: false } }),
      h.context,
      agentWriting({ "b.txt": "b\n" }),
    );
    expect(fromTag.code).toMatchObject({
      branch: "garageswarm/0b9c1d2e-3",
      base_sha: first,
      base_ref: "v1",
      behind: 0,
    });

    const fromSha = await runCodeTask(
      task(remote, { attempt: 4, repo: { url: remote.url, ref: first, push: false } }),
      h.context,
      agentWriting({ "b.txt": "c\n" }),
    );
    expect(fromSha.code).toMatchObject({ base_sha: first, behind: null });

    // The base branch moves while the agent works: behind says by how much.
    const moved = await runCodeTask(
      task(remote, { attempt: 5, repo: { url: remote.url, ref: "main", push: false } }),
      h.context,
      async (workdir) => {
        await remote.commit({ "upstream.txt": "x\n" });
        await remote.commit({ "upstream.txt": "y\n" });
        return agentWriting({ "b.txt": "d\n" })(workdir);
      },
    );
    expect(moved.code).toMatchObject({ base_sha: first, behind: 2, ahead: 1 });
  });

  it("reports no change when the agent changed nothing", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    const result = await runCodeTask(task(remote), h.context, agentWriting({}));
    expect(result.code).toMatchObject({
      base_sha: base,
      head_sha: base,
      ahead: 0,
      files: [],
      patch: "",
      patch_bytes: 0,
    });
  });

  it("runs setup before the agent and check after it; a failing check is reported, not a failure", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    const repo = {
      url: remote.url,
      push: false,
      setup: "echo installing; echo ready > .setup-done; echo warn >&2",
      check: "echo checking; exit 3",
    };
    const result = await runCodeTask(task(remote, { repo }), h.context, async (workdir) => {
      expect(await readFile(join(workdir, ".setup-done"), "utf8")).toBe("ready\n");
      return agentWriting({ "a.txt": "2\n" })(workdir);
    });
    expect(result.code?.setup).toMatchObject({ command: repo.setup, exit_code: 0, timed_out: false });
    expect(result.code?.setup?.output).toContain("installing\n");
    expect(result.code?.setup?.output).toContain("warn\n");
    expect(result.code?.check).toMatchObject({ command: repo.check, exit_code: 3, output: "checking\n" });
  });

  it("leaves the worktree at the branch's head after the check: its output is not the next round's change", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n", ".gitignore": "deps/\n" });
    const h = await harness(remote);
    const repo = {
      url: remote.url,
      push: false,
      setup: "mkdir -p deps && echo lib > deps/lib",
      check: "echo built > out.txt; echo changed > a.txt",
    };
    const result = await runCodeTask(task(remote, { repo }), h.context, agentWriting({ "b.txt": "b\n" }));
    expect(result.code?.files.map((file) => file.path)).toEqual(["b.txt"]);
    expect(await gitIn(h.dir, "status", "--porcelain")).toBe("");
    expect(await readFile(join(h.dir, "a.txt"), "utf8")).toBe("1\n");
    // What the setup installed (ignored) stays for a follow-up here.
    expect(await readFile(join(h.dir, "deps/lib"), "utf8")).toBe("lib\n");
  });

  it("a parked attempt's resume goes on in its worktree, on its branch, from its base", async () => {
    const remote = await createGitRemote();
    const base = await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    // The first attempt's agent hit a limit after editing a file (uncommitted).
    const parked = runCodeTask(task(remote), h.context, async (workdir) => {
      await writeFile(join(workdir, "half.txt"), "half done\n");
      throw new Error("usage limit");
    });
    await expect(parked).rejects.toThrow("usage limit");
    await remote.commit({ "upstream.txt": "moved on\n" });

    const resumed = await runCodeTask(
      task(remote, { attempt: 2, resume_session_id: "s-1" }),
      h.context,
      async (workdir) => {
        expect(await readFile(join(workdir, "half.txt"), "utf8")).toBe("half done\n");
        return agentWriting({ "rest.txt": "the rest\n" })(workdir);
      },
    );
    expect(resumed.code).toMatchObject({ base_sha: base, branch: "garageswarm/0b9c1d2e-1", behind: 1, ahead: 1 });
    expect(resumed.code?.files.map((file) => file.path)).toEqual(["half.txt", "rest.txt"]);
  });

  it("a failing setup fails the task, not retryable, with its exit code and output", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    let agentRan = false;
    const run = runCodeTask(
      task(remote, { repo: { url: remote.url, push: false, setup: "echo broken dependency; exit 7" } }),
      h.context,
      async () => {
        agentRan = true;
        throw new Error("unreachable");
      },
    );
    await expect(run).rejects.toBeInstanceOf(ToolInputError);
    await expect(run).rejects.toMatchObject({
      message: expect.stringContaining("exit code 7"),
      output: "broken dependency\n",
      exitCode: 7,
    });
    expect(agentRan).toBe(false);
  });

  it("an unknown ref fails before the agent, not retryable; an unreachable repository is retryable", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    const unknown = runCodeTask(
      task(remote, { repo: { url: remote.url, ref: "nope", push: false } }),
      h.context,
      agentWriting({}),
    );
    await expect(unknown).rejects.toBeInstanceOf(ToolInputError);
    await expect(unknown).rejects.toThrow(`ref nope not found in ${remote.url}`);

    const missing = `file://${join(await mkdtemp(join(tmpdir(), "gs-none-")), "gone.git")}`;
    const unreachable = runCodeTask(task(remote, { repo: { url: missing, push: false } }), h.context, agentWriting({}));
    await expect(unreachable).rejects.toSatisfy(
      (error) => error instanceof ToolRunError && !(error instanceof ToolInputError),
    );
    await expect(unreachable).rejects.toThrow(/cannot fetch file:\/\/.*gone\.git: /);
  });

  it("a patch over the limit fails the task, naming its size, the limit and the kept branch", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    const line = `${"x".repeat(99)}\n`;
    const big = line.repeat(Math.ceil(MAX_PATCH_BYTES / line.length) + 10);
    const run = runCodeTask(task(remote), h.context, agentWriting({ "big.txt": big }));
    await expect(run).rejects.toBeInstanceOf(ToolInputError);
    await expect(run).rejects.toThrow(
      new RegExp(
        `patch is \\d+ bytes, over the ${MAX_PATCH_BYTES}-byte limit; its branch garageswarm/0b9c1d2e-1 is kept on this worker`,
      ),
    );
    expect(await gitIn(h.cache.pathOf(remote.url), "branch", "--list", "garageswarm/*")).toContain(
      "garageswarm/0b9c1d2e-1",
    );
  });

  it("pushes the branch when asked; a refused push is reported, not a failure", async () => {
    const remote = await createGitRemote();
    await remote.commit({ "a.txt": "1\n" });
    const h = await harness(remote);
    const pushed = await runCodeTask(
      task(remote, { repo: { url: remote.url, push: true } }),
      h.context,
      agentWriting({ "a.txt": "2\n" }),
    );
    expect(pushed.code?.pushed).toBe(true);
    expect((await gitIn(remote.bare, "rev-parse", "refs/heads/garageswarm/0b9c1d2e-1")).trim()).toBe(
      pushed.code?.head_sha,
    );

    // The remote refuses pushes to that branch name now.
    await writeFile(join(remote.bare, "hooks", "pre-receive"), "#!/bin/sh\necho 'pushes are closed' >&2\nexit 1\n", {
      mode: 0o755,
    });
    const refused = await runCodeTask(
      task(remote, { attempt: 2, repo: { url: remote.url, push: true } }),
      h.context,
      agentWriting({ "a.txt": "3\n" }),
    );
    expect(refused.code?.pushed).toBe(false);
    expect(refused.detail.push_error).toEqual(expect.stringContaining("pushes are closed"));
  });

  describe("a follow-up continues the branch it is given", () => {
    async function firstRound(remote: GitRemote) {
      const base = await remote.commit({ "a.txt": "1\n" });
      const h = await harness(remote);
      const first = await runCodeTask(task(remote), h.context, agentWriting({ "a.txt": "2\n", "ignored.log": "x" }));
      const workspace: TaskWorkspace = {
        from_task_id: TASK,
        root_task_id: TASK,
        branch: first.code!.branch,
        base_sha: base,
        head_sha: first.code!.head_sha,
        pushed: false,
      };
      return { base, h, first, workspace };
    }
    const followUp = (remote: GitRemote, workspace: TaskWorkspace): CodeTask =>
      task(remote, { task_id: FOLLOW_UP, prompt: "Address the review", workspace });

    it("in the kept worktree of the chain's first task", async () => {
      const remote = await createGitRemote();
      const { base, h, first, workspace } = await firstRound(remote);
      await writeFile(join(h.dir, "untracked-cache"), "setup output");
      const seen: string[] = [];
      const second = await runCodeTask(followUp(remote, workspace), h.context, async (workdir) => {
        // The same directory, with what the first round left in it.
        expect(await readFile(join(workdir, "untracked-cache"), "utf8")).toBe("setup output");
        await rm(join(workdir, "untracked-cache"));
        return agentWriting({ "b.txt": "new\n" }, seen)(workdir);
      });
      expect(seen).toEqual([h.dir]);
      expect(second.code).toMatchObject({ base_sha: base, branch: first.code!.branch, ahead: 2 });
      expect(second.code!.files.map((file) => file.path).sort()).toEqual(["a.txt", "b.txt", "ignored.log"]);
      const parent = (await gitIn(h.dir, "rev-parse", `${second.code!.head_sha}^`)).trim();
      expect(parent).toBe(first.code!.head_sha);
      await expectPatchRebuilds(remote, second.code!.patch!, base, second.code!.head_sha, h.cache.pathOf(remote.url));
    });

    it("from the clone when the worktree is gone", async () => {
      const remote = await createGitRemote();
      const { base, h, first, workspace } = await firstRound(remote);
      const { removeWorktree } = await import("./worktree.ts");
      await removeWorktree(h.context.git, h.dir);
      const second = await runCodeTask(followUp(remote, workspace), h.context, agentWriting({ "b.txt": "new\n" }));
      expect(second.code).toMatchObject({ base_sha: base, branch: first.code!.branch, ahead: 2 });
      expect(h.storedPatches).toEqual([]);
      expect((await gitIn(h.dir, "rev-parse", "HEAD^")).trim()).toBe(first.code!.head_sha);
    });

    it("from the stored patch on a worker that never saw the branch", async () => {
      const remote = await createGitRemote();
      const { base, first, workspace } = await firstRound(remote);
      const elsewhere = await harness(remote);
      elsewhere.setStoredPatch(first.code!.patch!);
      const second = await runCodeTask(
        followUp(remote, workspace),
        elsewhere.context,
        agentWriting({ "b.txt": "new\n" }),
      );
      expect(elsewhere.storedPatches).toEqual([workspace]);
      expect(second.code).toMatchObject({ base_sha: base, branch: first.code!.branch, ahead: 2 });
      expect(second.code!.files.map((file) => file.path).sort()).toEqual(["a.txt", "b.txt", "ignored.log"]);
      const subject = await gitIn(elsewhere.dir, "log", "-1", "--format=%s", "HEAD^");
      expect(subject).toBe(`The change so far, from the stored patch of task ${TASK}\n`);
      await expectPatchRebuilds(
        remote,
        second.code!.patch!,
        base,
        second.code!.head_sha,
        elsewhere.cache.pathOf(remote.url),
      );
    });

    it("from the remote when the branch was pushed", async () => {
      const remote = await createGitRemote();
      const base = await remote.commit({ "a.txt": "1\n" });
      const h = await harness(remote);
      const first = await runCodeTask(
        task(remote, { repo: { url: remote.url, push: true } }),
        h.context,
        agentWriting({ "a.txt": "2\n" }),
      );
      const elsewhere = await harness(remote);
      const workspace: TaskWorkspace = {
        from_task_id: TASK,
        root_task_id: TASK,
        branch: first.code!.branch,
        base_sha: base,
        head_sha: first.code!.head_sha,
        pushed: true,
      };
      const second = await runCodeTask(
        followUp(remote, workspace),
        elsewhere.context,
        agentWriting({ "b.txt": "new\n" }),
      );
      expect(elsewhere.storedPatches).toEqual([]);
      expect((await gitIn(elsewhere.dir, "rev-parse", "HEAD^")).trim()).toBe(first.code!.head_sha);
      expect(second.code).toMatchObject({ ahead: 2, pushed: false });
    });
  });
});
