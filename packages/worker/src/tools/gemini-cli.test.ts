import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeTools, readFakeArgs, recordingContext } from "../../test/fakes/index.ts";
import { ToolRunError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

describe("gemini_cli", () => {
  it("runs headless with JSON output and returns the response, tokens from stats and a priced cost", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ reply: "Bonjour", argsFile }) }).get("gemini_cli")!;

    const result = await tool.run(
      { task_id: "t-1", prompt: "Say hello in French", model: "gemini-2.5-flash", options: { approval_mode: "yolo" } },
      recording.context,
    );

    expect(result.output).toBe("Bonjour");
    // The fake reports prompt 8410, candidates 36, thoughts 67 for the model.
    expect(result.usage.input_tokens).toBe(8410);
    expect(result.usage.output_tokens).toBe(36 + 67);
    // Of the prompt, 1200 tokens were cached: billed at $0.03 instead of $0.30.
    expect(result.usage.cost_usd).toBeCloseTo(((8410 - 1200) * 0.3 + 1200 * 0.03 + 103 * 2.5) / 1_000_000, 10);
    expect(result.detail).toMatchObject({ model: "gemini-2.5-flash", session_id: expect.any(String) });
    expect(recording.text("stdout")).toBe("Bonjour\n");

    const { argv, cwd, prompt } = await readFakeArgs(argsFile);
    expect(cwd).toBe(recording.context.workdir);
    // The prompt is joined to its flag: yargs never reads it as an option.
    expect(argv).toEqual([
      "--output-format",
      "json",
      "--skip-trust",
      "-m",
      "gemini-2.5-flash",
      "--approval-mode",
      "yolo",
      "--prompt=Say hello in French",
    ]);
    expect(prompt).toBe("Say hello in French");
  });

  it("reports the CLI's JSON error message on failure", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get("gemini_cli")!;
    const error = (await tool
      .run({ task_id: "t-2", prompt: "x", options: {} }, context)
      .catch((e) => e)) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toBe("Gemini CLI failed: [API Error: API key not valid. Please pass a valid API key.]");
  });
});
