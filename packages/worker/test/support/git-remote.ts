// A real git repository to run code tasks against: a bare "remote" under a temp dir (reached by file://),
// and a working clone the test commits and pushes from, as the repository's other users would.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const identity = {
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
};

export async function gitIn(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...process.env, ...identity }, maxBuffer: 64 << 20 });
  return stdout;
}

export interface GitRemote {
  url: string;
  bare: string;
  work: string;
  /** Writes files (null deletes), commits and pushes to `branch` (default main); returns the commit. */
  commit(files: Record<string, string | Buffer | null>, message?: string, branch?: string): Promise<string>;
  tag(name: string, rev?: string): Promise<void>;
  sha(rev: string): Promise<string>;
}

export async function createGitRemote(defaultBranch = "main"): Promise<GitRemote> {
  const root = await mkdtemp(join(tmpdir(), "gs-remote-"));
  const bare = join(root, "origin.git");
  const work = join(root, "work");
  await gitIn(root, "init", "--quiet", "--bare", `--initial-branch=${defaultBranch}`, bare);
  await gitIn(root, "init", "--quiet", `--initial-branch=${defaultBranch}`, work);
  await gitIn(work, "remote", "add", "origin", bare);
  const remote: GitRemote = {
    url: `file://${bare}`,
    bare,
    work,
    async commit(files, message = "change", branch = defaultBranch) {
      const current = (await gitIn(work, "rev-parse", "--abbrev-ref", "HEAD").catch(() => defaultBranch)).trim();
      if (current !== branch) await gitIn(work, "checkout", "--quiet", "-B", branch);
      for (const [path, content] of Object.entries(files)) {
        const target = join(work, path);
        if (content === null) await rm(target, { force: true });
        else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
      }
      await gitIn(work, "add", "--all");
      await gitIn(work, "commit", "--quiet", "--allow-empty", "-m", message);
      await gitIn(work, "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`);
      return remote.sha("HEAD");
    },
    async tag(name, rev = "HEAD") {
      await gitIn(work, "tag", name, rev);
      await gitIn(work, "push", "--quiet", "origin", `refs/tags/${name}`);
    },
    async sha(rev) {
      return (await gitIn(work, "rev-parse", rev)).trim();
    },
  };
  return remote;
}
