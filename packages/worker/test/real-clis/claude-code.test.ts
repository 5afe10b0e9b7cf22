// The claude_code adapter driving the real Claude Code 2.1.332 against the fake Anthropic API, one case per
// test: what the CLI really does on success, tool use, API errors, limits, max turns, odd prompts, cancel and
// resume, and what the adapter makes of it. Retries are kept short with CLAUDE_CODE_MAX_RETRIES (the CLI's
// own knob; 10 by default, with exponential backoff).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  type AnthropicReply,
  rateLimitReply,
  unifiedRateLimitHeaders,
  usageLimitReply,
} from "../../../../test/fakes/vendor-apis/anthropic.ts";
import {
  describeWithRealClis,
  type NewHomeOptions,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { processesIn } from "../../../../test/support/real-clis/processes.ts";
import { continuationPrompt } from "../../src/tools/claude-code.ts";
import { ToolAbortedError, ToolInputError, ToolLimitedError, ToolRunError } from "../../src/tools/errors.ts";
import { createToolRegistry } from "../../src/tools/registry.ts";
import type { ToolTask } from "../../src/tools/tool.ts";
import { type RecordingContext, recordingContext } from "../fakes/context.ts";

describeWithRealClis("claude_code against the real Claude Code", () => {
  let harness: RealCliHarness;
  beforeAll(async () => {
    harness = await startRealCliHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A tool on a fresh HOME, the fake scripted with `replies` (and nothing left from an earlier test). */
  async function claude(replies: AnthropicReply[], home: NewHomeOptions = {}, env: NodeJS.ProcessEnv = {}) {
    const homes = await harness.newHome(home);
    harness.anthropic.script(...replies);
    const registry = createToolRegistry({
      env: { ...homes.claude_code, ...env },
      passEnv: ["DISABLE_AUTOUPDATER", "DISABLE_TELEMETRY", "DISABLE_ERROR_REPORTING"],
      claudeCommand: harness.commands.claude,
    });
    const tool = registry.get("claude_code")!;
    const firstRequest = harness.anthropic.requests.length;
    return {
      tool,
      /** The model calls this test made, with their bodies. */
      calls: () => harness.anthropic.requests.slice(firstRequest).filter((r) => r.url.startsWith("/v1/messages?")),
      run: (task: Partial<ToolTask>, recording: RecordingContext) =>
        tool.run({ task_id: "t", prompt: "Say hello", options: {}, ...task }, recording.context),
    };
  }

  const failure = <T>(promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail("the run succeeded"),
      (error: unknown) => error as T,
    );
  const events = (recording: RecordingContext) =>
    recording.chunks.filter((c) => c.stream === "event").map((c) => JSON.parse(c.chunk) as Record<string, unknown>);
  const userTexts = (body: unknown) =>
    ((body as { messages: Array<{ role: string; content: unknown }> }).messages ?? [])
      .filter((message) => message.role === "user")
      .flatMap((message) => (Array.isArray(message.content) ? message.content : [{ text: message.content }]))
      .map((block: { text?: string }) => block.text ?? "")
      .join("\n");

  it("a plain answer: text, tokens over every model, Claude Code's own cost, the session and the mode", async () => {
    const { run, calls } = await claude([
      {
        kind: "text",
        text: "Hello there.",
        usage: { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 5 },
      },
    ]);
    const recording = await recordingContext();
    const result = await run({ prompt: "Say hello" }, recording);
    expect(result.output).toBe("Hello there.");
    expect(recording.text("stdout")).toBe("Hello there.\n");
    expect(result.usage.input_tokens).toBe(125);
    expect(result.usage.output_tokens).toBe(30);
    expect(result.usage.cost_usd).toBeGreaterThan(0);
    expect(result.detail).toMatchObject({ subtype: "success", permission_mode: "acceptEdits", num_turns: 1 });
    expect(result.detail.session_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(result.detail.model_usage as object)).toEqual([result.detail.model]);
    expect(userTexts(calls()[0]?.body)).toContain("Say hello");
  });

  it("a tool-use turn: the CLI runs Bash in the workdir, and the call and its result are streamed", async () => {
    const { run, calls } = await claude([
      { kind: "tool_use", name: "Bash", input: { command: "echo hi > out.txt && cat out.txt", description: "write" } },
      { kind: "text", text: "Wrote out.txt." },
    ]);
    const recording = await recordingContext();
    const result = await run({ prompt: "Write hi to out.txt" }, recording);
    expect(result.output).toBe("Wrote out.txt.");
    expect(await readFile(join(recording.context.workdir, "out.txt"), "utf8")).toBe("hi\n");
    const [use, toolResult] = events(recording);
    expect(use).toMatchObject({
      type: "tool_use",
      name: "Bash",
      input: { command: "echo hi > out.txt && cat out.txt" },
    });
    expect(toolResult).toMatchObject({ type: "tool_result", tool_use_id: use?.id, is_error: false, content: "hi" });
    expect(result.detail.num_turns).toBe(2);
    const sentBack = JSON.stringify(calls()[1]?.body);
    expect(sentBack).toContain('"type":"tool_result"');
    expect(sentBack).toContain(`"tool_use_id":"${use?.id}"`);
  });

  it("401: a clear failure with the API status in the message and the detail", async () => {
    const { run } = await claude(
      [{ kind: "error", status: 401, type: "authentication_error", message: "invalid x-api-key", sticky: true }],
      {},
      { CLAUDE_CODE_MAX_RETRIES: "0" },
    );
    const recording = await recordingContext();
    const error = await failure<ToolRunError>(run({}, recording));
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error).not.toBeInstanceOf(ToolLimitedError);
    expect(error.message).toBe("Claude Code failed: API error 401: Invalid API key · Fix external API key");
    expect(error.detail).toMatchObject({ api_error_status: 401, terminal_reason: "api_error" });
    expect(error.sessionId).toEqual(error.detail.session_id);
    // The CLI's own words about the API error go to stderr, not into the answer.
    expect(recording.text("stdout")).toBe("");
    expect(recording.text("stderr")).toContain("Invalid API key");
  });

  it("400: the API's message reaches the failure (the CLI retries a 400 a few times first)", async () => {
    const { run } = await claude([
      { kind: "error", status: 400, type: "invalid_request_error", message: "model: unknown model x", sticky: true },
    ]);
    const error = await failure<ToolRunError>(run({}, await recordingContext()));
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toBe("Claude Code failed: API error 400: API Error: 400 model: unknown model x");
    expect(error.detail).toMatchObject({ api_error_status: 400, api_error_type: "invalid_request_error" });
  });

  it("429 on an API key: after its retries the CLI gives up, and the run is rate limited, not failed", async () => {
    const { run, calls } = await claude([rateLimitReply(1)], {}, { CLAUDE_CODE_MAX_RETRIES: "1" });
    const recording = await recordingContext();
    const started = Date.now();
    const error = await failure<ToolLimitedError>(run({}, recording));
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit.kind).toBe("rate_limit");
    expect(error.limit.message).toContain("rate limit of 50 requests per minute");
    // From the CLI's last wait (retry-after 1 s plus jitter): a time just ahead.
    expect(Date.parse(error.limit.resets_at!)).toBeGreaterThan(started);
    expect(calls()).toHaveLength(2);
    expect(recording.text("stderr")).toContain("Claude Code retries after API error 429 (attempt 1/1");
  });

  it("an exhausted credit balance is a quota", async () => {
    const message = "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing.";
    const { run } = await claude(
      [{ kind: "error", status: 400, type: "invalid_request_error", message, sticky: true }],
      {},
      { CLAUDE_CODE_MAX_RETRIES: "0" },
    );
    const error = await failure<ToolLimitedError>(run({}, await recordingContext()));
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit).toEqual({ kind: "quota", resets_at: null, message: "Credit balance is too low" });
  });

  it("a subscription's usage limit: the rate_limit_event gives the reset, and the session is kept", async () => {
    const resetsAt = Math.round(Date.now() / 1000) + 5;
    const { run } = await claude([usageLimitReply(resetsAt)], { claudeSubscription: true });
    const recording = await recordingContext();
    const error = await failure<ToolLimitedError>(run({}, recording));
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit.kind).toBe("usage_limit");
    expect(error.limit.resets_at).toBe(new Date(resetsAt * 1000).toISOString());
    expect(error.limit.message).toMatch(/^You've hit your 5-hour limit · resets /);
    expect(error.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.detail.rate_limit).toMatchObject({ status: "rejected", rateLimitType: "five_hour" });
    expect(events(recording)).toContainEqual(expect.objectContaining({ type: "rate_limit", status: "rejected" }));
  });

  it("a usage warning on a subscription is kept in the detail of a run that succeeds", async () => {
    const resetsAt = new Date(Date.now() + 3_600_000);
    const { run } = await claude(
      [{ kind: "text", text: "Fine.", headers: unifiedRateLimitHeaders("allowed_warning", resetsAt) }],
      { claudeSubscription: true },
    );
    const result = await run({}, await recordingContext());
    expect(result.output).toBe("Fine.");
    expect(result.detail.rate_limit).toMatchObject({ status: "allowed_warning", utilization: 0.92 });
  });

  it("max turns: the failure says so and keeps errors[] and the terminal reason", async () => {
    const { run } = await claude([{ kind: "tool_use", name: "Bash", input: { command: "ls", description: "list" } }]);
    const error = await failure<ToolRunError>(run({ options: { max_turns: 1 } }, await recordingContext()));
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toBe("Claude Code failed: max turns reached (1)");
    expect(error.detail).toMatchObject({
      subtype: "error_max_turns",
      terminal_reason: "max_turns",
      errors: ["Reached maximum number of turns (1)"],
    });
    expect(error.detail.total_cost_usd).toBeGreaterThan(0);
  });

  it("a prompt starting with '-' is the prompt", async () => {
    const prompt = "-v what does this flag do\n- and this list";
    const { run, calls } = await claude([{ kind: "text", text: "A flag." }]);
    const result = await run({ prompt }, await recordingContext());
    expect(result.output).toBe("A flag.");
    expect(userTexts(calls()[0]?.body)).toContain(prompt);
  });

  it("a prompt starting with '/' is the prompt, not a slash command, unless the task opts in", async () => {
    const asText = await claude([{ kind: "text", text: "Costs nothing." }]);
    const result = await asText.run({ prompt: "/cost of this plan?" }, await recordingContext());
    expect(result.output).toBe("Costs nothing.");
    expect(userTexts(asText.calls()[0]?.body)).toContain("/cost of this plan?");

    // Opted in, the CLI runs its own /cost command and asks the model nothing (so nothing is scripted).
    const asCommand = await claude([]);
    const command = await asCommand.run(
      { prompt: "/cost", options: { slash_commands: true } },
      await recordingContext(),
    );
    expect(command.output).toContain("Total duration");
    expect(asCommand.calls()).toEqual([]);
  });

  it("a 200 KiB prompt reaches the API whole", async () => {
    const prompt = `Review this:\n${"x".repeat(200 * 1024)}\nend of review`;
    const { run, calls } = await claude([{ kind: "text", text: "Reviewed." }]);
    const result = await run({ prompt }, await recordingContext());
    expect(result.output).toBe("Reviewed.");
    expect(userTexts(calls()[0]?.body)).toContain(prompt);
  });

  it("cancel: the CLI is killed mid-request and the run reports the abort", async () => {
    const { run, calls } = await claude([{ kind: "hang" }]);
    const recording = await recordingContext();
    const running = run({}, recording);
    await expect.poll(() => calls().length, { timeout: 30_000 }).toBe(1);
    expect(await processesIn(recording.context.workdir)).not.toEqual([]);
    recording.controller.abort();
    const error = await failure<ToolAbortedError>(running);
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect(error.reason).toBe("cancelled");
    expect(await processesIn(recording.context.workdir)).toEqual([]);
  });

  it("resume: a run parked by a usage limit continues the same session, with its history", async () => {
    const { run, calls } = await claude([usageLimitReply(new Date(Date.now() + 5_000))], { claudeSubscription: true });
    const recording = await recordingContext();
    const limited = await failure<ToolLimitedError>(run({ prompt: "Refactor the parser" }, recording));
    harness.anthropic.script({ kind: "text", text: "Refactored." });
    // The same workdir: Claude Code keeps sessions per working directory (~/.claude/projects/<cwd>/).
    const result = await run({ prompt: "Refactor the parser", resume_session_id: limited.sessionId }, recording);
    expect(result.output).toBe("Refactored.");
    expect(result.detail.session_id).toBe(limited.sessionId);
    const resumed = userTexts(calls().at(-1)?.body);
    expect(resumed).toContain("Refactor the parser");
    expect(resumed).toContain(continuationPrompt);
  });

  it("resume of a session this machine no longer has starts the task over", async () => {
    const { run, calls } = await claude([{ kind: "text", text: "Started over." }]);
    const recording = await recordingContext();
    const gone = "0b7a3a5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    const result = await run({ prompt: "Do the thing", resume_session_id: gone }, recording);
    expect(result.output).toBe("Started over.");
    expect(recording.text("stderr")).toContain(`session ${gone} is gone`);
    expect(userTexts(calls().at(-1)?.body)).toContain("Do the thing");
  });

  it("permission modes: an unknown one and bypassPermissions as root are refused before the CLI starts", async () => {
    const { run, calls } = await claude([]);
    const unknown = await failure<ToolInputError>(
      run({ options: { permission_mode: "yolo" } }, await recordingContext()),
    );
    expect(unknown).toBeInstanceOf(ToolInputError);
    expect(unknown.message).toContain('no permission mode "yolo"');
    if (process.getuid?.() === 0) {
      const bypass = await failure<ToolInputError>(
        run({ options: { permission_mode: "bypassPermissions" } }, await recordingContext()),
      );
      expect(bypass).toBeInstanceOf(ToolInputError);
      expect(bypass.message).toContain("cannot be used with root/sudo privileges");
    }
    expect(calls()).toEqual([]);
  });

  it("health and detection say whether the CLI is logged in", async () => {
    const { tool } = await claude([]);
    expect(await tool.health()).toEqual({ healthy: true });
    expect(await tool.detect()).toMatchObject({ version: "2.1.332", auth: "logged_in", healthy: true });

    const homes = await harness.newHome();
    const loggedOut = createToolRegistry({
      // No key in the process env nor in settings.json: the CLI has nothing to sign in with.
      env: { ...homes.claude_code, HOME: `${homes.home}-empty` },
      claudeCommand: harness.commands.claude,
    }).get("claude_code")!;
    const health = await loggedOut.health();
    expect(health.healthy).toBe(false);
    expect(health.detail).toMatch(/^installed · not logged in — run `claude` and \/login/);
    expect(await loggedOut.detect()).toMatchObject({ auth: "not_logged_in", healthy: false });
  });
});
