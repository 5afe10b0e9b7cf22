import { describe, expect, it } from "vitest";
import { modelNameProblem, parseUnsafeModes, refusalMessage, wideningOptions } from "./agent-modes.ts";

const options = (tool: Parameters<typeof wideningOptions>[0], value: Record<string, unknown>) =>
  wideningOptions(tool, value).map((entry) => entry.option);

describe("wideningOptions", () => {
  it("finds the options that let an agent run commands or act outside its workdir", () => {
    expect(options("claude_code", { permission_mode: "bypassPermissions" })).toEqual(["permission_mode"]);
    expect(options("claude_code", { permission_mode: "auto" })).toEqual(["permission_mode"]);
    expect(options("claude_code", { allowed_tools: "Read,Bash(git:*)" })).toEqual(["allowed_tools"]);
    expect(options("claude_code", { allowed_tools: ["Write"] })).toEqual(["allowed_tools"]);
    expect(options("claude_code", { allowed_tools: ["mcp__github__create_issue"] })).toEqual(["allowed_tools"]);
    expect(options("claude_code", { dangerously_skip_permissions: true })).toEqual(["dangerously_skip_permissions"]);
    expect(options("codex_cli", { sandbox: "danger-full-access" })).toEqual(["sandbox"]);
    expect(options("codex_cli", { dangerously_bypass_approvals_and_sandbox: "yes" })).toEqual([
      "dangerously_bypass_approvals_and_sandbox",
    ]);
    expect(options("gemini_cli", { approval_mode: "yolo" })).toEqual(["approval_mode"]);
    expect(options("gemini_cli", { yolo: true })).toEqual(["yolo"]);
  });

  it("lets the modes through that stay inside the workdir or only narrow", () => {
    expect(
      options("claude_code", { permission_mode: "acceptEdits", allowed_tools: ["Read", "Grep", "Glob(src/**)"] }),
    ).toEqual([]);
    expect(options("claude_code", { permission_mode: "plan", max_turns: 3 })).toEqual([]);
    expect(options("codex_cli", { sandbox: "workspace-write" })).toEqual([]);
    expect(options("gemini_cli", { approval_mode: "auto_edit" })).toEqual([]);
    expect(options("ollama", { permission_mode: "bypassPermissions" })).toEqual([]);
  });

  it("says which option, why, and how the owner allows it", () => {
    const message = refusalMessage("codex_cli", wideningOptions("codex_cli", { sandbox: "danger-full-access" }));
    expect(message).toContain('sandbox="danger-full-access"');
    expect(message).toContain("--allow-unsafe-agent-modes codex_cli");
  });
});

describe("the opt-in and model names", () => {
  it("reads true, all, lists and off", () => {
    expect(parseUnsafeModes(undefined)).toEqual([]);
    expect(parseUnsafeModes("false")).toEqual([]);
    expect(parseUnsafeModes(true)).toEqual(["claude_code", "gemini_cli", "codex_cli"]);
    expect(parseUnsafeModes("1")).toEqual(["claude_code", "gemini_cli", "codex_cli"]);
    expect(parseUnsafeModes("codex_cli, gemini_cli")).toEqual(["codex_cli", "gemini_cli"]);
    expect(() => parseUnsafeModes(["shell"])).toThrow(/not an agent tool/);
  });

  it("refuses model names that would be read as options", () => {
    expect(modelNameProblem("--dangerously-skip-permissions")).toMatch(/may not start with "-"/);
    expect(modelNameProblem("gpt-5")).toBeNull();
    expect(modelNameProblem(null)).toBeNull();
  });
});
