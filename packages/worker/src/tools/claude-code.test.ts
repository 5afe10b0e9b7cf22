import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeTools, readFakeArgs, recordingContext } from "../../test/fakes/index.ts";
import { ToolAbortedError, ToolRunError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

describe("claude_code", () => {
  it("runs headless with stream-json, streams the assistant's text and returns the result event's answer, usage and cost", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ reply: "Hello, world", argsFile }) }).get("claude_code")!;

    const result = await tool.run(
      {
        task_id: "t-1",
        prompt: "Say hello",
        model: "opus",
        options: { max_turns: 3, allowed_tools: ["Read", "Bash(git:*)"], permission_mode: "acceptEdits" },
      },
      recording.context,
    );

    expect(result.output).toBe("Hello, world");
    expect(result.usage).toEqual({ input_tokens: 6 + 1200 + 26000, output_tokens: 42, cost_usd: 0.0123 });
    expect(result.exit_code).toBe(0);
    expect(result.detail).toMatchObject({ num_turns: 2, model: "claude-opus-4-1-20250805", subtype: "success" });
    expect(result.detail.session_id).toEqual(expect.any(String));
    expect(recording.text("stdout")).toBe("I'll look at the workspace first.\nHello, world\n");
    const events = recording.chunks.filter((c) => c.stream === "event").map((c) => JSON.parse(c.chunk));
    expect(events[0]).toMatchObject({ type: "tool_use", name: "Bash", input: { command: "ls" } });
    expect(events[1]).toMatchObject({ type: "tool_result", is_error: false });

    const { argv, cwd, prompt } = await readFakeArgs(argsFile);
    expect(cwd).toBe(recording.context.workdir);
    expect(argv.slice(0, 4)).toEqual(["-p", "--output-format", "stream-json", "--verbose"]);
    expect(argv).toEqual(
      expect.arrayContaining(["--model", "opus", "--max-turns", "3", "--allowedTools", "Read,Bash(git:*)"]),
    );
    expect(argv.join(" ")).toContain("--permission-mode acceptEdits");
    // The prompt comes last, after `--`: data, never an option.
    expect(argv.slice(-2)).toEqual(["--", "Say hello"]);
    expect(prompt).toBe("Say hello");
  });

  it("parses JSON answers into structured", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ reply: '{"verdict":"ok","score":3}' }) }).get("claude_code")!;
    const result = await tool.run({ task_id: "t-2", prompt: "Rate it", options: {} }, context);
    expect(result.structured).toEqual({ verdict: "ok", score: 3 });
  });

  it("an is_error result fails the run with the CLI's message and the text so far", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get("claude_code")!;
    const error = (await tool
      .run({ task_id: "t-3", prompt: "x", options: {} }, context)
      .catch((e) => e)) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toContain("Invalid API key");
    expect(error.output).toBe("Invalid API key · Please run /login");
    expect(error.detail.session_id).toEqual(expect.any(String));
  });

  it("a cancelled run keeps the text streamed before the cancel", async () => {
    const recording = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "hang" }) }).get("claude_code")!;
    const run = tool.run({ task_id: "t-4", prompt: "x", options: {} }, recording.context);
    await expect.poll(() => recording.text("stdout"), { timeout: 15_000 }).toContain("workspace");
    recording.controller.abort();
    const error = (await run.catch((e) => e)) as ToolAbortedError;
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect(error.output).toBe("I'll look at the workspace first.");
  });
});
