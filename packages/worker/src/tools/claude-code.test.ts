import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fakeTools, readFakeArgs, recordingContext } from "../../test/fakes/index.ts";
import { ClaudeStream, tokensOf } from "./claude-code.ts";
import { classifyClaudeLimit, resetFromText } from "./claude-code-limits.ts";
import { ToolAbortedError, ToolInputError, ToolRunError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

// Recorded from the real Claude Code 2.1.332 against the fake Anthropic API: see the fixtures' README.md.
const fixtures = fileURLToPath(new URL("../../test/fixtures/claude-code/", import.meta.url));

async function replay(name: string) {
  const recording = await recordingContext();
  const stream = new ClaudeStream(recording.context);
  for (const line of readFileSync(join(fixtures, `${name}.jsonl`), "utf8").split("\n")) stream.read(line);
  return {
    stream,
    recording,
    events: recording.chunks.filter((c) => c.stream === "event").map((c) => JSON.parse(c.chunk)),
  };
}

describe("claude_code stream (recorded from the real CLI)", () => {
  it("a plain answer: text on stdout, tokens from modelUsage, the detail", async () => {
    const { stream, recording } = await replay("ok");
    expect(recording.text("stdout")).toBe("Hello from the fake Anthropic API\n");
    expect(tokensOf(stream.result!)).toEqual({ input: 23, output: 9 });
    expect(stream.detail(["--permission-mode", "default"])).toMatchObject({
      subtype: "success",
      model: "claude-opus-5-5",
      permission_mode: "default",
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      model_usage: { "claude-opus-5-5": expect.objectContaining({ inputTokens: 23 }) },
    });
    expect(classifyClaudeLimit(stream.limitSignals())).toBeNull();
  });

  it("tokens are summed over every model (subagents included), else taken from the main loop's usage", () => {
    const twoModels = {
      usage: { input_tokens: 1, output_tokens: 1 },
      modelUsage: {
        "claude-opus-5-5": { inputTokens: 10, cacheReadInputTokens: 100, cacheCreationInputTokens: 5, outputTokens: 7 },
        "claude-haiku-5-5": { inputTokens: 20, outputTokens: 3 },
      },
    };
    expect(tokensOf(twoModels)).toEqual({ input: 135, output: 10 });
    expect(
      tokensOf({ usage: { input_tokens: 4, cache_read_input_tokens: 6, output_tokens: 2 }, modelUsage: {} }),
    ).toEqual({ input: 10, output: 2 });
  });

  it("a tool call and its result are streamed as events, with an excerpt of the result", async () => {
    const { events } = await replay("tool-use-accept-edits");
    expect(events).toEqual([
      expect.objectContaining({
        type: "tool_use",
        name: "Bash",
        input: expect.objectContaining({ command: "echo hi > out.txt && cat out.txt" }),
      }),
      expect.objectContaining({ type: "tool_result", is_error: false, content: "hi" }),
    ]);
    expect(events[1].tool_use_id).toBe(events[0].id);
  });

  it("max turns keeps errors[] and the terminal reason", async () => {
    const { stream } = await replay("max-turns");
    expect(stream.detail([])).toMatchObject({
      subtype: "error_max_turns",
      terminal_reason: "max_turns",
      errors: ["Reached maximum number of turns (1)"],
    });
    expect(classifyClaudeLimit(stream.limitSignals())).toBeNull();
  });

  it("the CLI's own API error text goes to stderr, never into the answer", async () => {
    const { stream, recording } = await replay("error-401");
    expect(recording.text("stdout")).toBe("");
    expect(recording.text("stderr")).toContain("Invalid API key · Fix external API key");
    expect(stream.texts).toEqual([]);
    expect(stream.detail([])).toMatchObject({ api_error_status: 401, terminal_reason: "api_error" });
    expect(classifyClaudeLimit(stream.limitSignals())).toBeNull();
  });
});

describe("classifyClaudeLimit (recorded from the real CLI)", () => {
  const now = new Date("2026-12-07T11:24:00Z");

  it("a usage limit: the rate_limit_event's resetsAt first", async () => {
    const { stream } = await replay("usage-limit-seven-day");
    const limit = classifyClaudeLimit(stream.limitSignals(), now);
    expect(limit).toEqual({
      kind: "usage_limit",
      resets_at: new Date((stream.rateLimit!.resetsAt as number) * 1000).toISOString(),
      message: "You've hit your weekly limit · resets Dec 10, 11:25am (UTC)",
    });
  });

  it("the result text alone when there is no event: the 5-hour and the weekly wording", async () => {
    const { stream } = await replay("usage-limit-five-hour");
    const signals = { ...stream.limitSignals(), rateLimit: null };
    signals.result = { ...signals.result, api_error: undefined };
    // Recorded at 11:23 UTC: "resets 11:23am (UTC)", read a few minutes before that.
    expect(classifyClaudeLimit(signals, new Date("2026-12-07T11:20:00Z"))).toEqual({
      kind: "usage_limit",
      resets_at: "2026-12-07T11:23:00.000Z",
      message: "You've hit your 5-hour limit · resets 11:23am (UTC)",
    });
    const weekly = {
      result: { is_error: true, result: "You've hit your weekly limit · resets Dec 10, 11:25am (UTC)" },
    };
    expect(classifyClaudeLimit({ rateLimit: null, lastRetry: null, apiError: null, ...weekly }, now)?.resets_at).toBe(
      "2026-12-10T11:25:00.000Z",
    );
  });

  it("the older 'Claude AI usage limit reached|<epoch>' text (from issue reports: no CLI we can run prints it)", () => {
    const result = { is_error: true, result: "Claude AI usage limit reached|1796648400" };
    expect(classifyClaudeLimit({ rateLimit: null, lastRetry: null, apiError: null, result }, now)).toEqual({
      kind: "usage_limit",
      resets_at: "2026-12-07T13:00:00.000Z",
      message: "Claude AI usage limit reached|1796648400",
    });
  });

  it("a 429 the CLI gave up on is a rate limit, reset estimated from its last wait", async () => {
    const { stream } = await replay("rate-limit-429");
    const limit = classifyClaudeLimit(stream.limitSignals(), now);
    expect(limit?.kind).toBe("rate_limit");
    expect(limit?.message).toContain("rate limit of 50 requests per minute");
    const waitMs = stream.lastRetry!.retry_delay_ms as number;
    expect(limit?.resets_at).toBe(new Date(now.getTime() + waitMs).toISOString());
  });

  it("a credit balance too low is a quota; a 400 and a warning are no limit", async () => {
    expect(classifyClaudeLimit((await replay("credit-balance")).stream.limitSignals(), now)).toEqual({
      kind: "quota",
      resets_at: null,
      message: "Credit balance is too low",
    });
    expect(classifyClaudeLimit((await replay("error-400")).stream.limitSignals(), now)).toBeNull();
    expect(classifyClaudeLimit((await replay("usage-warning")).stream.limitSignals(), now)).toBeNull();
  });
});

describe("resetFromText", () => {
  const now = new Date("2026-12-07T11:24:00Z");

  it("reads the next such wall-clock time in the named zone", () => {
    expect(resetFromText("You've hit your limit · resets 8pm (Europe/Berlin)", now)).toBe("2026-12-07T19:00:00.000Z");
    expect(resetFromText("You've hit your 5-hour limit · resets 11:23am (UTC)", now)).toBe("2026-12-08T11:23:00.000Z");
    expect(resetFromText("resets 12:30am (America/New_York)", now)).toBe("2026-12-08T05:30:00.000Z");
    expect(resetFromText("resets Jan 2, 9am (UTC)", now)).toBe("2027-01-02T09:00:00.000Z");
    expect(resetFromText("resets soon", now)).toBeNull();
    expect(resetFromText("resets 8pm (Not/AZone)", now)).toBeNull();
  });
});

describe("claude_code with the fake executable", () => {
  it("passes the prompt on stdin and the options as flags, with the worker's default permission mode", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ reply: "Hello, world", argsFile }) }).get("claude_code")!;

    const result = await tool.run(
      { task_id: "t-1", prompt: "-v Say hello", model: "opus", options: { max_turns: 3, allowed_tools: ["Read"] } },
      recording.context,
    );

    expect(result.output).toBe("Hello, world");
    expect(result.detail).toMatchObject({
      num_turns: 2,
      model: "claude-opus-4-1-20250805",
      permission_mode: "acceptEdits",
    });
    const { argv, prompt } = await readFakeArgs(argsFile);
    expect(argv).toEqual(
      expect.arrayContaining([
        "--model",
        "opus",
        "--max-turns",
        "3",
        "--allowedTools",
        "Read",
        "--permission-mode",
        "acceptEdits",
      ]),
    );
    expect(argv).not.toContain("-v Say hello");
    expect(prompt).toBe("-v Say hello");
  });

  it("a resumed task passes --resume and the continuation prompt", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("claude_code")!;
    await tool.run({ task_id: "t-5", prompt: "Do it", options: {}, resume_session_id: "abc" }, recording.context);
    const { argv, prompt } = await readFakeArgs(argsFile);
    expect(argv.join(" ")).toContain("--resume abc");
    expect(prompt).toBe("Continue the task where you stopped.");
  });

  it("a review round resumes the session with the task's prompt as the next turn", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("claude_code")!;
    await tool.run(
      { task_id: "t-6", prompt: "Rename it", options: {}, resume_session_id: "abc", resume_turn: "prompt" },
      recording.context,
    );
    const { argv, prompt } = await readFakeArgs(argsFile);
    expect(argv.join(" ")).toContain("--resume abc");
    expect(prompt).toBe("Rename it");
  });

  it("refuses an unknown permission mode, and the worker's default mode is a setting", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools() }).get("claude_code")!;
    const error = await tool
      .run({ task_id: "t", prompt: "x", options: { permission_mode: "yolo" } }, context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolInputError);
    const planned = createToolRegistry({ ...fakeTools(), claudePermissionMode: "plan" }).get("claude_code")!;
    const result = await planned.run({ task_id: "t", prompt: "x", options: {} }, context);
    expect(result.detail.permission_mode).toBe("plan");
  });

  it("an is_error result fails the run with the API status and the CLI's message", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get("claude_code")!;
    const error = (await tool
      .run({ task_id: "t-3", prompt: "x", options: {} }, context)
      .catch((e) => e)) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toBe("Claude Code failed: API error 401: Invalid API key · Fix external API key");
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
