import { describe, expect, it } from "vitest";
import { fakeTools } from "../../test/fakes/index.ts";
import { createToolRegistry } from "../tools/registry.ts";
import { DEFAULT_LIMIT_SECONDS, ToolCatalog } from "./tool-catalog.ts";

/** The fake claude, gemini and codex on PATH, on a clock the test moves. */
async function catalogOn(options: { maxConcurrent?: Record<string, number> } = {}) {
  const clock = { now: Date.parse("2026-12-01T12:00:00Z") };
  // No vendor keys and an Ollama host where nothing listens: detection stays on this machine.
  const registry = createToolRegistry(fakeTools({}, { PATH: process.env.PATH, OLLAMA_HOST: "http://127.0.0.1:9" }));
  const catalog = new ToolCatalog(registry, {
    unsafeModes: ["codex_cli"],
    maxConcurrent: options.maxConcurrent,
    now: () => clock.now,
  });
  await catalog.check();
  return { catalog, clock };
}

const usageLimit = {
  kind: "usage_limit" as const,
  resets_at: "2026-12-01T14:00:00.000Z",
  message: "You've hit your limit",
};

describe.skipIf(process.platform === "win32")("ToolCatalog", () => {
  it("lists the detected tools with the owner's settings: unsafe modes and per-tool caps", async () => {
    const { catalog } = await catalogOn({ maxConcurrent: { claude_code: 2, ollama: 1 } });
    const tools = Object.fromEntries(catalog.current().map((tool) => [tool.name, tool]));
    expect(Object.keys(tools).sort()).toEqual(["claude_code", "codex_cli", "gemini_cli"]);
    expect(tools.claude_code).toMatchObject({ max_concurrent: 2, any_model: true });
    expect(tools.claude_code).not.toHaveProperty("unsafe_modes");
    expect(tools.codex_cli).toMatchObject({ unsafe_modes: true });
    expect(tools.codex_cli).not.toHaveProperty("max_concurrent");
    expect(catalog.usable().sort()).toEqual(["claude_code", "codex_cli", "gemini_cli"]);
  });

  it("advertises a limited tool until its reset, refuses it meanwhile, and clears the mark once it passes", async () => {
    const { catalog, clock } = await catalogOn();
    const before = catalog.snapshot().version;
    catalog.advertised(before);
    expect(catalog.unadvertised()).toBeNull();

    expect(catalog.markLimited("claude_code", usageLimit).toISOString()).toBe(usageLimit.resets_at);
    const claude = catalog.current().find((tool) => tool.name === "claude_code");
    expect(claude).toMatchObject({ limited_until: usageLimit.resets_at, limit_message: "You've hit your limit" });
    expect(catalog.limitOf("claude_code")).toEqual(usageLimit);
    expect(catalog.limitOf("codex_cli")).toBeNull();
    expect(catalog.usable()).not.toContain("claude_code");
    expect(catalog.nextLimitEnd()).toBe(Date.parse(usageLimit.resets_at));
    // The server has not heard of it yet: the next heartbeat carries the list.
    const pending = catalog.unadvertised();
    expect(pending?.tools.find((tool) => tool.name === "claude_code")?.limited_until).toBe(usageLimit.resets_at);
    catalog.advertised(pending!.version);
    expect(catalog.unadvertised()).toBeNull();

    clock.now = Date.parse(usageLimit.resets_at);
    expect(catalog.limitOf("claude_code")).toBeNull();
    expect(catalog.usable()).toContain("claude_code");
    const cleared = catalog.unadvertised();
    expect(cleared?.tools.find((tool) => tool.name === "claude_code")).not.toHaveProperty("limited_until");
    expect(catalog.nextLimitEnd()).toBeNull();
  });

  it("waits a default for the limit's kind when the tool did not say, and a little when its reset is past", async () => {
    const { catalog, clock } = await catalogOn();
    const quota = catalog.markLimited("gemini_cli", { kind: "quota", resets_at: null, message: "quota exhausted" });
    expect(quota.getTime()).toBe(clock.now + DEFAULT_LIMIT_SECONDS.quota * 1000);
    const stale = catalog.markLimited("codex_cli", {
      kind: "rate_limit",
      resets_at: "2026-12-01T11:00:00Z",
      message: "rate limited",
    });
    expect(stale.getTime()).toBe(clock.now + DEFAULT_LIMIT_SECONDS.rate_limit * 1000);
    // A shorter limit does not cut a longer one short.
    const longer = catalog.markLimited("gemini_cli", { kind: "rate_limit", resets_at: null, message: "again" });
    expect(longer).toEqual(quota);
  });
});
