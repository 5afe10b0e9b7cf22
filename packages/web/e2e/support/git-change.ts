// A real git repository under a temp dir, the code result a worker would report for a change in it (the
// SHAs, `git diff --binary` as the patch with its size and digest, the file stats, ahead and behind), and
// the worker's side of an attempt through the real worker API.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect } from "vitest";
import type { ApiClient } from "../../../../test/support/http.ts";

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

/**
 * A small project with an agent's branch of two revisions: main at `base`; the branch's first commit
 * (`revisionOne`: greet says hello, a new file) and second (`revisionTwo`: shout, a test); then main moves on
 * by one commit, so the branch is one behind.
 */
export function createGreeterRepo() {
  const repo = createGitRepo();
  repo.write({
    "src/greet.ts": 'export function greet(name: string) {\n  return "hi " + name;\n}\n\nexport const shout = false;\n',
    "README.md": "# Greeter\n",
  });
  const base = repo.commit("base");
  repo.git("checkout", "-q", "-b", "garageswarm/review-1");
  repo.write({
    "src/greet.ts":
      'export function greet(name: string) {\n  return "hello, " + name;\n}\n\nexport const shout = false;\nexport const version = 2;\n',
    "src/farewell.ts": 'export const farewell = (name: string) => "bye " + name;\n',
  });
  const revisionOne = repo.commit("greet: say hello");
  repo.write({
    "src/greet.ts":
      'export function greet(name: string) {\n  return "hello, " + name;\n}\n\nexport const shout = true;\nexport const version = 2;\n',
    "test/greet.test.ts":
      'import { greet } from "../src/greet.ts";\nif (greet("a") !== "hello, a") throw new Error();\n',
  });
  const revisionTwo = repo.commit("greet: shout, and a test");
  repo.git("checkout", "-q", "main");
  repo.write({ "CHANGELOG.md": "- unrelated\n" });
  repo.commit("main moves on");
  return { repo, base, revisionOne, revisionTwo };
}

/** A worker's attempt through the real worker API: claim the task, start it, complete it with `code`. */
export async function completeAsWorker(api: ApiClient, key: string, workerId: string, code: unknown) {
  const claimed = await api.get(`/api/v1/workers/${workerId}/pull-task?wait=0`, { token: key });
  expect(claimed.status).toBe(200);
  const { task_id: taskId, attempt_token: token } = claimed.body;
  expect((await api.post(`/api/v1/tasks/${taskId}/start`, { attempt_token: token }, { token: key })).status).toBe(200);
  const completed = await api.post(
    `/api/v1/tasks/${taskId}/complete`,
    {
      attempt_token: token,
      result: {
        output: "Done.",
        usage: { input_tokens: 10, output_tokens: 5, cost_usd: 0.01 },
        exit_code: 0,
        detail: { session_id: "session-1" },
        code,
      },
    },
    { token: key },
  );
  expect(completed.status).toBe(200);
  return claimed.body as { task_id: string; workspace: unknown };
}
