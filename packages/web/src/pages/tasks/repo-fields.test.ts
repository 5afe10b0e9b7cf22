import { describe, expect, it } from "vitest";
import { canUseRepo, repoFromForm } from "./repo-fields.ts";

describe("the task form's repository", () => {
  it("applies only when every chosen tool edits files", () => {
    expect(canUseRepo(["claude_code"])).toBe(true);
    expect(canUseRepo(["claude_code", "shell"])).toBe(true);
    expect(canUseRepo(["claude_code", "ollama"])).toBe(false);
    expect(canUseRepo([])).toBe(false);
  });

  it("sends nothing when no field is filled", () => {
    expect(repoFromForm({ repo_url: "  ", repo_ref: "" })).toBeUndefined();
    expect(repoFromForm({})).toBeUndefined();
  });

  it("sends the filled fields, trimmed, and the push box", () => {
    expect(
      repoFromForm({ repo_url: " file:///srv/app.git ", repo_ref: "main", repo_check: "npm test", repo_push: "on" }),
    ).toEqual({ url: "file:///srv/app.git", ref: "main", check: "npm test", push: true });
    expect(repoFromForm({ repo_url: "git@example.com:me/app.git" })).toEqual({
      url: "git@example.com:me/app.git",
      push: false,
    });
  });

  it("sends a repository without a URL when other fields are filled, for the server to name the missing URL", () => {
    expect(repoFromForm({ repo_url: "", repo_setup: "npm ci" })).toEqual({ url: "", setup: "npm ci", push: false });
  });
});
