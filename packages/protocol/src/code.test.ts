import { describe, expect, it } from "vitest";
import { CodeResult, gitRefProblem, repoUrlProblem } from "./code.ts";
import { TaskCreate } from "./tasks.ts";

describe("repository URLs", () => {
  it.each([
    "https://github.com/acme/app.git",
    "ssh://git@example.com:2222/acme/app.git",
    "git@github.com:acme/app.git",
    "git://example.com/app.git",
    "file:///srv/git/app.git",
  ])("takes %s", (url) => {
    expect(repoUrlProblem(url)).toBeNull();
  });

  it.each([
    ["https://user:secret@github.com/acme/app.git", /password/],
    ["https://ghp_token@github.com/acme/app.git", /user or token/],
    ["--upload-pack=touch /tmp/pwned", /'-'/],
    ["ext::sh -c touch% /tmp/pwned", /whitespace|remote helper/],
    ["fd::17", /remote helper/],
    ["ftp://example.com/app.git", /https, http, ssh, git or file/],
    ["/srv/git/app.git", /URL git can fetch/],
    ["ssh:///app.git", /host/],
  ])("refuses %s", (url, problem) => {
    expect(repoUrlProblem(url)).toMatch(problem);
  });
});

describe("git refs", () => {
  it.each(["main", "release/1.2", "v1.0.0", "0123456789abcdef0123456789abcdef01234567"])("takes %s", (ref) => {
    expect(gitRefProblem(ref)).toBeNull();
  });
  it.each(["--output=/etc/passwd", "a..b", "main lock", "feature/", "x.lock", "HEAD@{1}", "a;rm -rf /"])(
    "refuses %s",
    (ref) => {
      expect(gitRefProblem(ref)).not.toBeNull();
    },
  );
});

describe("a task with a repository", () => {
  const base = { description: "fix the bug", tool: "claude_code" };

  it("names the repository's field when its URL carries a token", () => {
    const parsed = TaskCreate.safeParse({ ...base, repo: { url: "https://x:y@example.com/a.git" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["repo", "url"]);
  });

  it("needs a tool that edits files", () => {
    const parsed = TaskCreate.safeParse({ ...base, tool: ["claude_code", "ollama"], repo: { url: "file:///r.git" } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ["repo"], message: expect.stringContaining("ollama") });
  });

  it("defaults push to false and keeps the ref", () => {
    const parsed = TaskCreate.parse({ ...base, repo: { url: "file:///r.git", ref: "main", check: "npm test" } });
    expect(parsed.repo).toEqual({ url: "file:///r.git", ref: "main", check: "npm test", push: false });
  });
});

describe("a code result", () => {
  it("refuses a patch with a NUL character", () => {
    const sha = "a".repeat(40);
    const result = CodeResult.safeParse({
      repo_url: "file:///r.git",
      base_ref: null,
      base_sha: sha,
      head_sha: sha,
      branch: "garageswarm/abc-1",
      files: [],
      additions: 0,
      deletions: 0,
      patch_bytes: 1,
      patch_sha256: "0".repeat(64),
      patch: "\u0000",
      ahead: 0,
    });
    expect(result.success).toBe(false);
  });
});
