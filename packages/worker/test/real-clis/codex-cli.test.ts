// The real Codex CLI (0.171.0) driven by the codex_cli adapter, answering through the fake Responses API
// inside the sandbox. The harness's provider retries a failed request once (request_max_retries and
// stream_max_retries = 1 in its config.toml), so the error cases end after two calls instead of five or six.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { responsesErrors } from "../../../../test/fakes/vendor-apis/openai-responses.ts";
import {
  describeWithRealClis,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { processesIn } from "../../../../test/support/real-clis/processes.ts";
import { continuationPrompt } from "../../src/tools/codex-cli.ts";
import { ToolAbortedError, ToolLimitedError, ToolRunError } from "../../src/tools/errors.ts";
import { priceTableVersion } from "../../src/tools/pricing.ts";
import { createToolRegistry } from "../../src/tools/registry.ts";
import type { Tool } from "../../src/tools/tool.ts";
import { recordingContext } from "../fakes/context.ts";

type Json = Record<string, unknown>;

describeWithRealClis("codex_cli against the real Codex CLI", () => {
  let harness: RealCliHarness;
  beforeAll(async () => {
    harness = await startRealCliHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  const codex = async (extraEnv: NodeJS.ProcessEnv = {}): Promise<{ tool: Tool; env: NodeJS.ProcessEnv }> => {
    const homes = await harness.newHome();
    const env = { ...homes.codex_cli, ...extraEnv };
    return { tool: createToolRegistry({ env, codexCommand: harness.commands.codex }).get("codex_cli")!, env };
  };
  /** The model calls the fake received from here on. */
  const modelCalls = () => {
    const start = harness.responses.requests.length;
    return () =>
      harness.responses.requests
        .slice(start)
        .filter((request) => request.url.startsWith("/v1/responses"))
        .map((request) => request.body as { model: string; input: Json[] });
  };
  const userTexts = (input: Json[]) =>
    input
      .filter((item) => item.type === "message" && item.role === "user")
      .flatMap((item) => (item.content as Json[]).map((part) => String(part.text)))
      .filter((text) => !text.startsWith("<environment_context>"));
  const events = (chunks: Array<{ chunk: string; stream: string }>) =>
    chunks.filter((entry) => entry.stream === "event").map((entry) => JSON.parse(entry.chunk) as Json);

  it("a plain answer: text, usage with cached and reasoning tokens, cost, price table and thread id", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script({
      kind: "text",
      text: "Three things.",
      usage: { input_tokens: 24763, cached_tokens: 24448, output_tokens: 122, reasoning_tokens: 64 },
    });
    const recording = await recordingContext();
    const result = await tool.run(
      { task_id: "plain", prompt: "List three things", model: "gpt-5.5", options: {} },
      recording.context,
    );

    expect(result.output).toBe("Three things.");
    expect(result.usage).toMatchObject({ input_tokens: 24763, output_tokens: 122 });
    // gpt-5.5: $5 input, $0.50 cached input, $30 output (reasoning included) per million tokens.
    expect(result.usage.cost_usd).toBeCloseTo(((24763 - 24448) * 5 + 24448 * 0.5 + 122 * 30) / 1e6, 10);
    expect(result.detail).toMatchObject({
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      cached_input_tokens: 24448,
      reasoning_output_tokens: 64,
      model: "gpt-5.5",
      price_table: priceTableVersion,
      sandbox: "workspace-write",
    });
    expect(recording.text("stdout")).toBe("Three things.\n");
    const [call] = calls();
    expect(call?.model).toBe("gpt-5.5");
    expect(userTexts(call!.input)).toEqual(["List three things"]);
  });

  it("a tool-use turn: Codex runs exec_command in the workdir, sends its output back, the adapter streams both", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script(
      { kind: "command", cmd: "echo made > made.txt && cat made.txt" },
      { kind: "text", text: "Made made.txt", reasoning: "The file is there." },
    );
    const recording = await recordingContext();
    const result = await tool.run({ task_id: "tool", prompt: "Make a file", options: {} }, recording.context);

    expect(result.output).toBe("Made made.txt");
    // No model asked for: the config's (gpt-5.5), read from the thread's rollout, is the one priced.
    expect(result.detail).toMatchObject({ model: "gpt-5.5", model_provider: "fake" });
    expect(result.usage.cost_usd).toBeCloseTo(((100 - 40) * 5 + 40 * 0.5 + 18 * 30) / 1e6, 10);
    expect(await readFile(join(recording.context.workdir, "made.txt"), "utf8")).toBe("made\n");
    const second = calls()[1]!;
    const call = second.input.find((item) => item.type === "function_call");
    const output = second.input.find((item) => item.type === "function_call_output");
    expect(call).toMatchObject({
      name: "exec_command",
      arguments: JSON.stringify({ cmd: "echo made > made.txt && cat made.txt" }),
    });
    expect(output?.call_id).toBe(call?.call_id);
    expect(String(output?.output)).toMatch(/Process exited with code 0[\s\S]*Output:\nmade\n/);
    expect(events(recording.chunks)).toEqual([
      expect.objectContaining({ type: "item.started", item_type: "command_execution", status: "in_progress" }),
      {
        type: "item.completed",
        item_type: "command_execution",
        id: expect.any(String),
        command: "/bin/bash -lc 'echo made > made.txt && cat made.txt'",
        exit_code: 0,
        status: "completed",
        output: "made\n",
      },
      { type: "item.completed", item_type: "reasoning", id: expect.any(String), text: "The file is there." },
    ]);
  });

  it("an edit through apply_patch writes the file and streams a file_change", async () => {
    const { tool } = await codex();
    harness.responses.script(
      { kind: "patch", patch: "*** Begin Patch\n*** Add File: hello.txt\n+hi there\n*** End Patch\n" },
      { kind: "text", text: "patched" },
    );
    const recording = await recordingContext();
    await tool.run({ task_id: "edit", prompt: "Add hello.txt", options: {} }, recording.context);
    expect(await readFile(join(recording.context.workdir, "hello.txt"), "utf8")).toBe("hi there\n");
    expect(events(recording.chunks).at(-1)).toEqual({
      type: "item.completed",
      item_type: "file_change",
      id: expect.any(String),
      status: "completed",
      changes: [{ path: join(recording.context.workdir, "hello.txt"), kind: "add" }],
    });
  });

  it("the read-only sandbox keeps a command from writing in the workdir", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script({ kind: "command", cmd: "touch denied.txt" }, { kind: "text", text: "tried" });
    const recording = await recordingContext();
    await tool.run({ task_id: "ro", prompt: "Try to write", options: { sandbox: "read-only" } }, recording.context);
    expect(existsSync(join(recording.context.workdir, "denied.txt"))).toBe(false);
    // The model is told; the JSONL is not: Codex 0.171 emits no command_execution item for a command its
    // sandbox denied here (it does for one that fails on its own).
    const output = calls()[1]!.input.find((item) => item.type === "function_call_output");
    expect(String(output?.output)).toContain("touch: cannot touch 'denied.txt': Read-only file system");
  });

  it("a non-fatal error item keeps its message in the detail and the stream", async () => {
    const { tool } = await codex();
    harness.responses.script({ kind: "text", text: "ok" });
    const recording = await recordingContext();
    const result = await tool.run({ task_id: "warn", prompt: "hi", model: "gpt-fake", options: {} }, recording.context);
    expect(result.output).toBe("ok");
    expect(result.detail.warnings).toEqual([expect.stringMatching(/^Model metadata for `gpt-fake` not found/)]);
    expect(events(recording.chunks)[0]).toMatchObject({
      item_type: "error",
      message: expect.stringContaining("gpt-fake"),
    });
    expect(result.detail.cost_note).toMatch(/no price known for model gpt-fake/);
  });

  it("401: a run error with the API's message after one retry, and the thread id", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script(
      { kind: "error", ...responsesErrors.unauthorized },
      { kind: "error", ...responsesErrors.unauthorized },
    );
    const error = await tool
      .run({ task_id: "401", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error).not.toBeInstanceOf(ToolLimitedError);
    expect(error.message).toMatch(/^Codex failed: unexpected status 401 Unauthorized: Incorrect API key provided/);
    expect(error.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.detail.warnings[0]).toMatch(/^Reconnecting\.\.\. 1\/1/);
    expect(calls()).toHaveLength(2);
  });

  it("400: a run error with the API's message, not retried", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script({ kind: "error", ...responsesErrors.badRequest });
    const error = await tool
      .run({ task_id: "400", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toBe("Codex failed: Invalid value: 'gpt-nope'. The requested model does not exist.");
    expect(calls()).toHaveLength(1);
  });

  it("a 429 rate limit Codex gave up on is a rate limit", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script(
      { kind: "error", ...responsesErrors.rateLimited },
      { kind: "error", ...responsesErrors.rateLimited },
    );
    const error = await tool
      .run({ task_id: "429", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit).toEqual({
      kind: "rate_limit",
      resets_at: null,
      message: "exceeded retry limit, last status: 429 Too Many Requests",
    });
    expect(calls()).toHaveLength(2);
  });

  it("insufficient_quota is an exhausted quota", async () => {
    const { tool } = await codex();
    harness.responses.script({ kind: "error", ...responsesErrors.insufficientQuota });
    const error = await tool
      .run({ task_id: "quota", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit).toMatchObject({
      kind: "quota",
      resets_at: null,
      message: expect.stringMatching(/^Quota exceeded/),
    });
  });

  it("the usage limit of the ChatGPT backend: the reset of its full window, from the thread's rollout", async () => {
    const { tool } = await codex();
    const resetsAt = new Date(Date.now() + 30 * 60_000);
    harness.responses.script({ kind: "error", ...responsesErrors.usageLimit(resetsAt) });
    const error = await tool
      .run({ task_id: "usage", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit).toMatchObject({
      kind: "usage_limit",
      message: expect.stringMatching(/^You’ve hit your usage limit\./),
    });
    // x-codex-primary-reset-at, to the second: `exec --json` never shows it, the rollout file does.
    expect(error.limit.resets_at).toBe(new Date(Math.floor(resetsAt.getTime() / 1000) * 1000).toISOString());
    expect(error.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("the usage limit without rate-limit headers: the reset read from the message in the CLI's zone", async () => {
    // Codex prints the reset in its local time; a TZ far from UTC shows the adapter reads it in the same zone.
    const { tool } = await codex({ TZ: "America/New_York" });
    const resetsAt = new Date(Date.now() + 30 * 60_000);
    harness.responses.script({ kind: "error", ...responsesErrors.usageLimit(resetsAt), headers: {} });
    const error = await tool
      .run({ task_id: "usage", prompt: "hi", options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit.kind).toBe("usage_limit");
    // To the minute in the message, then a minute later so the task never comes back before the reset.
    expect(error.limit.resets_at).toBe(
      new Date(Math.floor(resetsAt.getTime() / 60_000) * 60_000 + 60_000).toISOString(),
    );
  });

  it("resume: a parked thread continues with its history, and the continuation prompt only", async () => {
    const { tool } = await codex();
    const prompt = "Write step.txt, then report";
    harness.responses.script(
      { kind: "command", cmd: "echo step one | tee step.txt" },
      { kind: "error", ...responsesErrors.usageLimit(new Date(Date.now() + 3_600_000)) },
    );
    const first = await tool
      .run({ task_id: "resume", prompt, options: {} }, (await recordingContext()).context)
      .catch((e) => e);
    expect(first).toBeInstanceOf(ToolLimitedError);
    const thread: string = first.sessionId;

    const calls = modelCalls();
    harness.responses.script({ kind: "text", text: "Finished after the reset" });
    const recording = await recordingContext();
    const result = await tool.run(
      { task_id: "resume", prompt, options: {}, resume_session_id: thread },
      recording.context,
    );

    expect(result.output).toBe("Finished after the reset");
    expect(result.detail).toMatchObject({ session_id: thread, resumed_session: thread });
    const [call] = calls();
    expect(userTexts(call!.input)).toEqual([prompt, continuationPrompt]);
    const earlier = call!.input.find((item) => item.type === "function_call_output");
    expect(String(earlier?.output)).toContain("step one");
  });

  it("resume of a thread this machine does not have runs the task afresh", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script({ kind: "text", text: "Done from scratch" });
    const missing = "01a25040-0000-7000-8000-000000000000";
    const result = await tool.run(
      { task_id: "lost", prompt: "The whole task", options: {}, resume_session_id: missing },
      (await recordingContext()).context,
    );
    expect(result.output).toBe("Done from scratch");
    expect(result.detail.resume_failed).toContain(`no rollout found for thread id ${missing}`);
    expect(result.detail.session_id).not.toBe(missing);
    expect(userTexts(calls()[0]!.input)).toEqual(["The whole task"]);
  });

  it("a prompt starting with '-' and a 200 KiB prompt are prompts", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    const dash = "- fix the bug\n--help me";
    const big = `${"- item of a long list\n".repeat(Math.ceil((200 * 1024) / 22))}END`;
    harness.responses.script({ kind: "text", text: "dash ok" }, { kind: "text", text: "big ok" });
    const dashResult = await tool.run(
      { task_id: "dash", prompt: dash, options: {} },
      (await recordingContext()).context,
    );
    const bigResult = await tool.run({ task_id: "big", prompt: big, options: {} }, (await recordingContext()).context);
    expect([dashResult.output, bigResult.output]).toEqual(["dash ok", "big ok"]);
    expect(big.length).toBeGreaterThan(200 * 1024);
    expect(calls().map((call) => userTexts(call.input))).toEqual([[dash], [big]]);
  });

  it("cancel kills the CLI's whole process tree and reports an aborted run", async () => {
    const { tool } = await codex();
    const calls = modelCalls();
    harness.responses.script({ kind: "hang" });
    const recording = await recordingContext();
    const run = tool
      .run({ task_id: "cancel", prompt: "Take your time", options: {} }, recording.context)
      .catch((e) => e);
    await until(() => calls().length === 1);
    recording.controller.abort();
    const error = await run;
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect(error.reason).toBe("cancelled");
    expect(await processesIn(recording.context.workdir)).toEqual([]);
  });

  it("health: `codex login status` decides auth, a provider key in the env keeps it open", async () => {
    const homes = await harness.newHome();
    const detectWith = (env: NodeJS.ProcessEnv) =>
      createToolRegistry({ env, codexCommand: harness.commands.codex }).get("codex_cli")!.detect();

    expect(await detectWith(homes.codex_cli)).toMatchObject({
      version: "0.171.0",
      healthy: true,
      auth: "unknown",
      detail: expect.stringContaining("OPENAI_API_KEY is set"),
    });
    const { OPENAI_API_KEY: _key, ...withoutKey } = homes.codex_cli;
    expect(await detectWith(withoutKey)).toMatchObject({
      healthy: false,
      auth: "not_logged_in",
      detail: expect.stringMatching(/^installed · not logged in: run `codex login`/),
    });
    await runCodex(["login", "--with-api-key"], "sk-fake-stored-key-123456", withoutKey);
    expect(await detectWith(withoutKey)).toMatchObject({
      healthy: true,
      auth: "logged_in",
      detail: expect.stringContaining("API key configured - sk-fake-***23456"),
    });
  });

  function runCodex(args: string[], input: string, env: NodeJS.ProcessEnv): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(harness.commands.codex, args, { env, stdio: ["pipe", "ignore", "ignore"] });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve() : reject(new Error(`codex ${args.join(" ")} exited ${code}`)),
      );
      child.stdin.end(input);
    });
  }
});

/** Waits for a condition the test cannot be told about (a request reaching the fake). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}
