import { describe, expect, it } from "vitest";
import { toolEnvironment, validatePassEnv } from "./environment.ts";

const worker = {
  PATH: "/usr/bin",
  HOME: "/home/owner",
  LANG: "C.UTF-8",
  LC_ALL: "C.UTF-8",
  TMPDIR: "/tmp",
  GARAGESWARM_KEY: "gs_owner",
  GARAGESWARM_JWT_SECRET: "secret",
  DATABASE_URL: "postgres://x",
  REDIS_URL: "redis://x",
  AWS_SECRET_ACCESS_KEY: "aws",
  ANTHROPIC_API_KEY: "sk-ant",
  GEMINI_API_KEY: "gem",
  OPENAI_API_KEY: "sk-oai",
  CODEX_HOME: "/home/owner/.codex",
  OLLAMA_HOST: "127.0.0.1:11434",
  EXTRA: "extra",
};

describe("toolEnvironment", () => {
  it("keeps the base allow-list and the tool's own vendor variables, nothing else", () => {
    expect(toolEnvironment("claude_code", worker)).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/owner",
      LANG: "C.UTF-8",
      LC_ALL: "C.UTF-8",
      TMPDIR: "/tmp",
    });
    expect(toolEnvironment("codex_cli", worker)).toMatchObject({
      OPENAI_API_KEY: "sk-oai",
      CODEX_HOME: "/home/owner/.codex",
    });
    expect(toolEnvironment("codex_cli", worker).ANTHROPIC_API_KEY).toBeUndefined();
    expect(toolEnvironment("gemini_cli", worker)).toMatchObject({ GEMINI_API_KEY: "gem" });
    expect(Object.keys(toolEnvironment("shell", worker)).sort()).toEqual(["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR"]);
  });

  it("Claude Code gets the worker's own Anthropic key and URL (the anthropic tool's) only when --pass-env names them", () => {
    const owner = {
      ...worker,
      ANTHROPIC_BASE_URL: "https://proxy",
      ANTHROPIC_AUTH_TOKEN: "tok",
      CLAUDE_CODE_OAUTH_TOKEN: "oat",
    };
    const env = toolEnvironment("claude_code", owner);
    expect(env).toMatchObject({ ANTHROPIC_AUTH_TOKEN: "tok", CLAUDE_CODE_OAUTH_TOKEN: "oat" });
    expect(env.ANTHROPIC_API_KEY).toBeUndefined();
    expect(env.ANTHROPIC_BASE_URL).toBeUndefined();
    expect(toolEnvironment("claude_code", owner, ["ANTHROPIC_API_KEY"]).ANTHROPIC_API_KEY).toBe("sk-ant");
  });

  it("keeps gemini_api's GOOGLE_GEMINI_BASE_URL from Gemini CLI unless the owner passes it", () => {
    const source = { ...worker, GOOGLE_GEMINI_BASE_URL: "https://gateway.example", GOOGLE_CLOUD_PROJECT: "p" };
    expect(toolEnvironment("gemini_cli", source).GOOGLE_GEMINI_BASE_URL).toBeUndefined();
    expect(toolEnvironment("gemini_cli", source).GOOGLE_CLOUD_PROJECT).toBe("p");
    expect(toolEnvironment("gemini_cli", source, ["GOOGLE_GEMINI_BASE_URL"]).GOOGLE_GEMINI_BASE_URL).toBe(
      "https://gateway.example",
    );
  });

  it("adds --pass-env names, and never the worker's or the server's secrets", () => {
    expect(toolEnvironment("shell", worker, ["EXTRA"]).EXTRA).toBe("extra");
    expect(() => validatePassEnv(["GARAGESWARM_KEY"])).toThrow(/never passed/);
    expect(() => validatePassEnv(["database_url"])).toThrow(/never passed/);
    expect(() => validatePassEnv(["A=B"])).toThrow(/not a variable name/);
    // Even a prefix the tool owns cannot smuggle one in.
    const env = toolEnvironment("claude_code", { ...worker, GARAGESWARM_ANTHROPIC_MODEL: "x" }, ["REDIS_URL"]);
    expect(Object.keys(env).filter((name) => /GARAGESWARM|DATABASE|REDIS/.test(name))).toEqual([]);
  });
});
