// The three real agent CLIs from npm, driven by the worker's own adapters, each answering through its
// vendor fake inside the sandbox: the harness works, and a prompt that starts with "-" is a prompt.
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeWithRealClis,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { createToolRegistry } from "../../src/tools/registry.ts";
import { recordingContext } from "../fakes/context.ts";

describeWithRealClis("real agent CLIs: a plain answer", () => {
  let harness: RealCliHarness;
  beforeAll(async () => {
    harness = await startRealCliHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const prompt = "- list three things\n- in markdown";

  it("claude_code answers through the fake Anthropic API", async () => {
    const homes = await harness.newHome();
    const registry = createToolRegistry({
      env: homes.claude_code,
      passEnv: ["DISABLE_AUTOUPDATER", "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING"],
      claudeCommand: harness.commands.claude,
    });
    harness.anthropic.script({ kind: "text", text: "One, two, three." });
    const recording = await recordingContext();
    const result = await registry.get("claude_code")!.run({ task_id: "t1", prompt, options: {} }, recording.context);
    expect(result.output).toBe("One, two, three.");
    expect(result.usage.output_tokens).toBeGreaterThan(0);
    const sent = harness.anthropic.requests.filter((request) => request.url.startsWith("/v1/messages"));
    expect(JSON.stringify(sent.at(-1)?.body)).toContain("- list three things");
  });

  it("gemini_cli answers through the fake Gemini API", async () => {
    const homes = await harness.newHome();
    const registry = createToolRegistry({ env: homes.gemini_cli, geminiCommand: harness.commands.gemini });
    harness.gemini.script({ kind: "text", text: "Gemini says three." });
    const recording = await recordingContext();
    const result = await registry.get("gemini_cli")!.run({ task_id: "t2", prompt, options: {} }, recording.context);
    expect(result.output).toBe("Gemini says three.");
  });

  it("codex_cli answers through the fake Responses API", async () => {
    const homes = await harness.newHome();
    const registry = createToolRegistry({ env: homes.codex_cli, codexCommand: harness.commands.codex });
    harness.responses.script({ kind: "text", text: "Codex says three." });
    const recording = await recordingContext();
    const result = await registry.get("codex_cli")!.run({ task_id: "t3", prompt, options: {} }, recording.context);
    expect(result.output).toBe("Codex says three.");
    expect(result.usage.input_tokens).toBe(50);
  });
});
