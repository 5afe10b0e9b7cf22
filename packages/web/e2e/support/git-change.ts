// A real git repository under a temp dir, and the code result a worker would report for a change in it:
// the SHAs, `git diff --binary` as the patch with its size and digest, the file stats, ahead and behind.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface GitRepo {
  dir: string;
  /** A file:// URL for a bare-free local repository: only ever read by this test, never fetched. */
  url: string;
  git(...args: string[]): string;
  write(files: Record<string, string>): void;
  commit(message: string): string;
  remove(): void;
}

export function createGitRepo(): GitRepo {
  const dir = mkdtempSync(join(tmpdir(), "gs-web-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    }).trimEnd();
  git("init", "-q", "-b", "main");
  git("config", "user.name", "Test");
  git("config", "user.email", "test@example.test");
  return {
    dir,
    url: `file://${dir}`,
    git,
    write(files) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
    },
    commit(message) {
      git("add", "-A");
      git("commit", "-q", "-m", message);
      return git("rev-parse", "HEAD");
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const statuses: Record<string, string> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  C: "copied",
  T: "type_changed",
};

/** The `code` a worker reports for the branch `branch` (at `head`) made from `base` on `baseRef`. */
export function codeResultOf(
  repo: GitRepo,
  options: {
    base: string;
    head: string;
    branch: string;
    baseRef: string;
    check?: { command: string; output: string; exitCode: number };
  },
) {
  const { base, head, branch, baseRef } = options;
  const patch = `${repo.git("diff", "--binary", base, head)}\n`;
  const numstat = repo.git("diff", "--numstat", base, head).split("\n").filter(Boolean);
  const nameStatus = repo.git("diff", "--name-status", base, head).split("\n").filter(Boolean);
  const files = numstat.map((line, index) => {
    const [added = "0", deleted = "0", path = ""] = line.split("\t");
    const status = statuses[(nameStatus[index] ?? "M").charAt(0)] ?? "modified";
    const binary = added === "-";
    return {
      path,
      old_path: null,
      status,
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary,
    };
  });
  return {
    repo_url: repo.url,
    base_ref: baseRef,
    base_sha: base,
    head_sha: head,
    branch,
    files,
    additions: files.reduce((sum, file) => sum + file.additions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
    patch,
    patch_bytes: Buffer.byteLength(patch),
    patch_sha256: createHash("sha256").update(patch).digest("hex"),
    setup: null,
    check: options.check
      ? {
          command: options.check.command,
          exit_code: options.check.exitCode,
          output: options.check.output,
          duration_ms: 840,
          timed_out: false,
        }
      : null,
    pushed: false,
    behind: Number(repo.git("rev-list", "--count", `${base}..${baseRef}`)),
    ahead: Number(repo.git("rev-list", "--count", `${base}..${head}`)),
  };
}
