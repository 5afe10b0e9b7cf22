// The real Gemini CLI (0.61.0, test/clis) driven by the worker's gemini_cli adapter, answering through the
// Gemini API fake inside the sandbox: one test per case a user meets. The CLI's retries are kept short with
// `general.maxAttempts` in the test HOME's settings.json (the CLI waits at least 5 s between attempts).
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { geminiErrors } from "../../../../test/fakes/vendor-apis/gemini.ts";
import type { VendorRequest } from "../../../../test/fakes/vendor-apis/server.ts";
import {
  describeWithRealClis,
  type RealCliHarness,
  startRealCliHarness,
} from "../../../../test/support/real-clis/harness.ts";
import { processesIn } from "../../../../test/support/real-clis/processes.ts";
import {
  ToolAbortedError,
  ToolInputError,
  ToolLimitedError,
  ToolRunError,
  ToolUnavailableError,
} from "../../src/tools/errors.ts";
import { continuationPrompt } from "../../src/tools/gemini-cli.ts";
import { costOf } from "../../src/tools/pricing.ts";
import { createToolRegistry } from "../../src/tools/registry.ts";
import type { Tool, ToolTask } from "../../src/tools/tool.ts";
import { type RecordingContext, recordingContext } from "../fakes/context.ts";

describeWithRealClis("gemini_cli against the real Gemini CLI", () => {
  let harness: RealCliHarness;
  beforeAll(async () => {
    harness = await startRealCliHarness();
  });
  afterAll(async () => {
    await harness?.close();
  });

  /** A fresh HOME (settings.json merged with `settings`), the adapter for it, and the fake's calls from now on. */
  async function setup(options: { settings?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}) {
    const homes = await harness.newHome();
    if (options.settings) {
      const path = join(homes.home, ".gemini", "settings.json");
      const current = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      await writeFile(path, JSON.stringify({ ...current, ...options.settings }));
    }
    const env = { ...homes.gemini_cli, ...options.env };
    const tool = createToolRegistry({ env, geminiCommand: harness.commands.gemini }).get("gemini_cli")!;
    const from = harness.gemini.requests.length;
    const modelCalls = () => harness.gemini.requests.slice(from).filter((request) => request.url.includes(":stream"));
    return { tool, modelCalls, home: homes.home };
  }

  const task = (prompt: string, extra: Partial<ToolTask> = {}): ToolTask => ({
    task_id: "t",
    prompt,
    options: {},
    ...extra,
  });

  async function failure(tool: Tool, run: ToolTask, recording?: RecordingContext): Promise<unknown> {
    const context = (recording ?? (await recordingContext())).context;
    return tool.run(run, context).then(
      () => new Error("the run succeeded"),
      (error: unknown) => error,
    );
  }

  it("a plain answer: streamed text, tokens of every model, the cost, the main model and the session", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script({
      kind: "text",
      text: "Bonjour",
      usage: { prompt: 1000, candidates: 20, cached: 400, thoughts: 30 },
    });
    const recording = await recordingContext();
    const result = await tool.run(task("Say hello in French", { model: "gemini-2.5-flash" }), recording.context);

    expect(result.output).toBe("Bonjour");
    expect(recording.text("stdout")).toBe("Bonjour\n");
    const models = Object.keys((result.detail.stats as { models: Record<string, unknown> }).models);
    expect(models).toContain("gemini-2.5-flash");
    expect(result.detail).toMatchObject({
      model: "gemini-2.5-flash",
      session_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      price_table: expect.any(String),
    });
    // Every model the CLI called is counted (a router's classifier too, when it ran): thinking as output.
    const stats = result.detail.stats as { models: Record<string, { input_tokens: number; total_tokens: number }> };
    const input = Object.values(stats.models).reduce((sum, entry) => sum + entry.input_tokens, 0);
    expect(result.usage.input_tokens).toBe(input);
    expect(stats.models["gemini-2.5-flash"]).toMatchObject({ input_tokens: 1000, total_tokens: 1050 });
    const main = costOf(
      "gemini-2.5-flash",
      { input: 600, cacheRead: 400, output: 50 },
      { provider: "google", requests: "many" },
    );
    expect(main.note).toBeUndefined();
    expect(result.usage.cost_usd).toBeGreaterThanOrEqual(main.costUsd);
    expect(modelCalls()).toHaveLength(1);
  });

  it("in auto mode the main model is the one that answered, not the router's classifier", async () => {
    const { tool } = await setup();
    harness.gemini.script({ kind: "text", text: "Routed." });
    const result = await tool.run(task("Which model?"), (await recordingContext()).context);
    const models = Object.keys((result.detail.stats as { models: Record<string, unknown> }).models);
    expect(models.length).toBeGreaterThan(1);
    const answered = harness.gemini.requests.at(-1)!.url.match(/models\/([^:]+):streamGenerateContent/)?.[1];
    expect(result.detail.model).toBe(answered);
  });

  it("a tool-use turn: the CLI runs the command in the workdir, streams the call and result, sends it back", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script(
      {
        kind: "function_call",
        name: "run_shell_command",
        args: { command: "echo tool-output-42 > made.txt && cat made.txt" },
      },
      { kind: "text", text: "Done." },
    );
    const recording = await recordingContext();
    // yolo is an unsafe mode the worker refuses unless its owner allows it (agent-modes.ts); the adapter runs it.
    const result = await tool.run(task("make a file", { options: { approval_mode: "yolo" } }), recording.context);

    expect(result.output).toBe("Done.");
    expect(await readFile(join(recording.context.workdir, "made.txt"), "utf8")).toBe("tool-output-42\n");
    const events = recording.chunks.filter((entry) => entry.stream === "event").map((entry) => JSON.parse(entry.chunk));
    expect(events).toEqual([
      expect.objectContaining({ type: "tool_use", name: "run_shell_command" }),
      expect.objectContaining({ type: "tool_result", is_error: false, output: "tool-output-42" }),
    ]);
    expect(events[1].tool_use_id).toBe(events[0].id);
    expect(result.detail.tool_calls).toBe(1);
    const answer = lastContent(modelCalls().at(-1)!);
    expect(JSON.stringify(answer)).toContain('"functionResponse"');
    expect(JSON.stringify(answer)).toContain("tool-output-42");
  });

  it("an API key the API refuses (400 API_KEY_INVALID): unavailable, saying how to sign in", async () => {
    const { tool } = await setup();
    harness.gemini.script(geminiErrors.invalidKey());
    const error = (await failure(tool, task("hi"))) as ToolUnavailableError;
    expect(error).toBeInstanceOf(ToolUnavailableError);
    expect(error.message).toContain("API key not valid. Please pass a valid API key.");
    expect(error.message).toContain("GEMINI_API_KEY");
    expect(error.exitCode).toBe(144);
    expect(error.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("401: unavailable, saying how to sign in", async () => {
    const { tool } = await setup();
    harness.gemini.script(geminiErrors.unauthenticated());
    const error = (await failure(tool, task("hi"))) as ToolUnavailableError;
    expect(error).toBeInstanceOf(ToolUnavailableError);
    expect(error.message).toMatch(
      /credentials were refused: Request had invalid authentication credentials.*sign in with Google/,
    );
  });

  it("no key at all (exit 41): unavailable, and health says installed · not logged in", async () => {
    const { tool } = await setup({ env: { GEMINI_API_KEY: undefined }, settings: { security: { auth: {} } } });
    const error = (await failure(tool, task("hi"))) as ToolUnavailableError;
    expect(error).toBeInstanceOf(ToolUnavailableError);
    expect(error.exitCode).toBe(41);
    expect(error.message).toMatch(/authentication failed: Please set an Auth method/);
    expect(await tool.health()).toEqual({
      healthy: false,
      detail: expect.stringMatching(/^installed · not logged in/),
    });
    expect(await tool.detect()).toMatchObject({ version: "0.61.0", auth: "not_logged_in", healthy: false });
  });

  it("a signed-in CLI is detected as logged in", async () => {
    const { tool } = await setup();
    expect(await tool.detect()).toMatchObject({
      name: "gemini_cli",
      version: "0.61.0",
      auth: "logged_in",
      healthy: true,
    });
  });

  it("400: the request's fault, not retried", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script(geminiErrors.badRequest("* GenerateContentRequest.contents: contents is not specified"));
    const recording = await recordingContext();
    const error = (await failure(tool, task("hi"), recording)) as ToolInputError;
    expect(error).toBeInstanceOf(ToolInputError);
    // The CLI's error report (with the conversation) went to the run's own temp dir, now gone, not to /tmp.
    const report = /Full report available at: (\S+\.json)/.exec(recording.text("stderr"))?.[1];
    expect(report).toBe(join(`${recording.context.workdir}.tmp`, basename(report ?? "")));
    expect(existsSync(report ?? "")).toBe(false);
    expect(error.message).toBe(
      "Gemini CLI failed: the API refused the request: * GenerateContentRequest.contents: contents is not specified",
    );
    expect(modelCalls()).toHaveLength(1);
  });

  it("429 rate limit: after its retries the CLI gives up, and the tool is limited until the API's retry time", async () => {
    const { tool, modelCalls } = await setup({ settings: { general: { maxAttempts: 2 } } });
    harness.gemini.script(
      geminiErrors.rateLimited("gemini-2.5-flash", 1),
      geminiErrors.rateLimited("gemini-2.5-flash", 1),
    );
    const before = Date.now();
    const error = (await failure(tool, task("hi", { model: "gemini-2.5-flash" }))) as ToolLimitedError;
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit.kind).toBe("rate_limit");
    expect(error.limit.message).toContain("Quota exceeded for metric");
    expect(Date.parse(error.limit.resets_at!)).toBeGreaterThanOrEqual(before + 1000);
    expect(modelCalls()).toHaveLength(2);
    expect(error.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("quota exhaustion (a daily quota): limited as a quota, not retried", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script(geminiErrors.dailyQuota("gemini-2.5-flash", 3600));
    const before = Date.now();
    const error = (await failure(tool, task("hi", { model: "gemini-2.5-flash" }))) as ToolLimitedError;
    expect(error).toBeInstanceOf(ToolLimitedError);
    expect(error.limit).toMatchObject({ kind: "quota", message: "You have exhausted your daily quota on this model." });
    expect(Date.parse(error.limit.resets_at!)).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(modelCalls()).toHaveLength(1);
  });

  it("the session turn limit (model.maxSessionTurns, exit 53) fails saying so", async () => {
    const { tool } = await setup({ settings: { model: { maxSessionTurns: 1 } } });
    harness.gemini.script(
      { kind: "function_call", name: "run_shell_command", args: { command: "echo a" } },
      { kind: "function_call", name: "run_shell_command", args: { command: "echo b" } },
    );
    const error = (await failure(tool, task("loop", { options: { approval_mode: "yolo" } }))) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.exitCode).toBe(53);
    expect(error.message).toMatch(/session turn limit .*Reached max session turns/);
  });

  it("an approval mode the CLI does not have is refused before it starts", async () => {
    const { tool, modelCalls } = await setup();
    const error = await failure(tool, task("hi", { options: { approval_mode: "always" } }));
    expect(error).toBeInstanceOf(ToolInputError);
    expect((error as Error).message).toContain("default, auto_edit, yolo, plan");
    expect(modelCalls()).toHaveLength(0);
  });

  it("a prompt starting with '-' is a prompt", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script({ kind: "text", text: "Listed." });
    const prompt = "- fix the bug\n- --model=x is not an option here";
    const result = await tool.run(task(prompt), (await recordingContext()).context);
    expect(result.output).toBe("Listed.");
    expect(userText(modelCalls()[0]!)).toContain(prompt);
  });

  it("a 200 KiB prompt reaches the API whole", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script({ kind: "text", text: "Read it all." });
    const prompt = `Summarise:\n${"0123456789abcdef".repeat(200 * 64)}\nEND-OF-PROMPT`;
    const result = await tool.run(task(prompt), (await recordingContext()).context);
    expect(result.output).toBe("Read it all.");
    expect(userText(modelCalls()[0]!)).toContain(prompt);
  });

  it("cancel: aborting mid-call kills the CLI's processes and reports ToolAbortedError", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script({ kind: "hang" });
    const recording = await recordingContext();
    const running = failure(tool, task("wait for me"), recording);
    await vi.waitFor(() => expect(modelCalls()).toHaveLength(1), { timeout: 30_000, interval: 50 });
    expect(await processesIn(recording.context.workdir)).not.toEqual([]);
    recording.controller.abort();
    const error = (await running) as ToolAbortedError;
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect(error.reason).toBe("cancelled");
    expect(await processesIn(recording.context.workdir)).toEqual([]);
  });

  it("resume: a parked task continues its session, with its history and a short continuation prompt", async () => {
    const { tool, modelCalls } = await setup();
    const recording = await recordingContext();
    await writeFile(join(recording.context.workdir, "notes.txt"), "step-one-done\n");
    harness.gemini.script(
      { kind: "function_call", name: "read_file", args: { file_path: "notes.txt" } },
      geminiErrors.dailyQuota("gemini-2.5-flash", 60),
    );
    const parked = (await failure(tool, task("Read notes.txt, then finish"), recording)) as ToolLimitedError;
    expect(parked).toBeInstanceOf(ToolLimitedError);
    const sessionId = parked.sessionId!;
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // The task comes back to this worker, into the same workdir.
    harness.gemini.script({ kind: "text", text: "Finished." });
    const again = await recordingContext();
    const context = { ...again.context, workdir: recording.context.workdir };
    const result = await tool.run(task("Read notes.txt, then finish", { resume_session_id: sessionId }), context);
    expect(result.output).toBe("Finished.");
    expect(result.detail).toMatchObject({ session_id: sessionId, resumed_session_id: sessionId });
    const history = JSON.stringify((modelCalls().at(-1)!.body as { contents: unknown[] }).contents);
    expect(history).toContain("Read notes.txt, then finish");
    expect(history).toContain("step-one-done");
    expect(userText(modelCalls().at(-1)!)).toBe(continuationPrompt);
  });

  it("resume of a session the CLI cannot find starts the task afresh with its prompt", async () => {
    const { tool, modelCalls } = await setup();
    harness.gemini.script({ kind: "text", text: "Fresh start." });
    const recording = await recordingContext();
    const result = await tool.run(
      task("Do the whole thing", { resume_session_id: "0b6f1d9e-5c39-4f54-9c1e-7b1f8f3f6a11" }),
      recording.context,
    );
    expect(result.output).toBe("Fresh start.");
    expect(userText(modelCalls()[0]!)).toContain("Do the whole thing");
    expect(recording.text("stderr")).toContain("could not resume session 0b6f1d9e");
  });

  it("the worker's own GOOGLE_GEMINI_BASE_URL (gemini_api's) does not redirect the CLI", async () => {
    // Were it passed, the CLI would call this dead address instead of the gateway in its own ~/.gemini/.env.
    const { tool } = await setup({ env: { GOOGLE_GEMINI_BASE_URL: "http://127.0.0.1:9" } });
    harness.gemini.script({ kind: "text", text: "Through the fake." });
    const result = await tool.run(task("hi"), (await recordingContext()).context);
    expect(result.output).toBe("Through the fake.");
  });
});

/** The last content of a model call: the user turn (text, or the function responses) it ends with. */
function lastContent(request: VendorRequest): unknown {
  return (request.body as { contents: unknown[] }).contents.at(-1);
}

/** The text of the user turn a model call ends with (the prompt follows the CLI's session context part). */
function userText(request: VendorRequest): string {
  const parts = (lastContent(request) as { parts: Array<{ text?: string }> }).parts;
  return parts.at(-1)?.text ?? "";
}
