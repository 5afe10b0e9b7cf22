// Claude Code in headless mode: `claude -p --output-format stream-json --verbose [options]`, the prompt on
// stdin (no size limit of a command line, and one starting with `-` is data), `--resume <id>` to continue a
// session. The stream is NDJSON: a `system`/`init` event, `assistant` and `user` messages (Anthropic message
// objects under `message`), `rate_limit_event`s and `system`/`api_retry` events, and a final `result` event
// carrying the answer (or `errors[]`), usage per model and total_cost_usd.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { claudeAuthStatus, notLoggedInDetail } from "./claude-code-auth.ts";
import { type ClaudeLimitSignals, classifyClaudeLimit } from "./claude-code-limits.ts";
import { type CliOutcome, type CliSettings, detectCliVersion, parseJsonLine, runCli } from "./cli.ts";
import { ToolInputError, ToolLimitedError, ToolRunError } from "./errors.ts";
import { buildResult, numberField, stringField } from "./result.ts";
import {
  integerOption,
  listOption,
  type RunContext,
  stringOption,
  type Tool,
  type ToolHealth,
  type ToolTask,
} from "./tool.ts";

type Json = Record<string, unknown>;

/** The modes `--permission-mode` takes in 2.1.332 (`default` is still accepted, though --help omits it). */
export const claudePermissionModes = [
  "default",
  "acceptEdits",
  "plan",
  "dontAsk",
  "auto",
  "manual",
  "bypassPermissions",
] as const;
export type ClaudePermissionMode = (typeof claudePermissionModes)[number];

export interface ClaudeCodeSettings extends CliSettings {
  /** The mode for tasks that name none (worker setting; acceptEdits lets an edit task edit its workdir). */
  defaultPermissionMode: ClaudePermissionMode;
}

/**
 * Claude Code runs a prompt that starts with `/` as a slash command (`/cost`, `/compact`, `/init`, a
 * project's own commands) instead of sending it to the model. A prompt is data — it may be another node's
 * output — unless the task opts in with `slash_commands: true`; a leading newline keeps it from being read
 * as a command, and the model sees the text as written.
 */
export function promptAsData(task: Pick<ToolTask, "prompt" | "options">): string {
  return task.prompt.startsWith("/") && task.options.slash_commands !== true ? `\n${task.prompt}` : task.prompt;
}

/** What a parked task is resumed with: the session already holds the original prompt and the work so far. */
export const continuationPrompt = "Continue the task where you stopped.";

const resultExcerptChars = 2_000;

export class ClaudeCodeTool implements Tool {
  readonly id = "claude_code" as const;

  constructor(private readonly settings: ClaudeCodeSettings) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    const { auth } = await claudeAuthStatus(this.settings);
    // The CLI accepts aliases for its current models; it has no command that lists them.
    return {
      name: this.id,
      version,
      models: ["sonnet", "opus", "haiku"],
      any_model: true,
      auth,
      healthy: auth !== "not_logged_in",
      ...(auth === "not_logged_in" ? { detail: notLoggedInDetail } : {}),
    };
  }

  async health(): Promise<ToolHealth> {
    if ((await detectCliVersion(this.settings)) === null) {
      return { healthy: false, detail: `${this.settings.command} --version failed` };
    }
    const { auth } = await claudeAuthStatus(this.settings);
    return auth === "not_logged_in" ? { healthy: false, detail: notLoggedInDetail } : { healthy: true };
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const permissionMode = this.permissionModeOf(task);
    const args = ["-p", "--output-format", "stream-json", "--verbose", "--permission-mode", permissionMode];
    if (task.model) args.push("--model", task.model);
    const maxTurns = integerOption(task.options, "max_turns");
    if (maxTurns) args.push("--max-turns", String(maxTurns));
    const allowedTools = listOption(task.options, "allowed_tools");
    if (allowedTools) args.push("--allowedTools", allowedTools.join(","));

    if (task.resume_session_id) {
      const resumed = await this.runOnce(
        [...args, "--resume", task.resume_session_id],
        task.resume_turn === "prompt" ? promptAsData(task) : continuationPrompt,
        task,
        context,
      );
      // A session lives in ~/.claude/projects/<the workdir>/: gone when the HOME or the workdir changed.
      // Starting over with the original prompt is then the only way on.
      if (!resumed.sessionMissing) return resumed.finish();
      context.onOutput(`Claude Code session ${task.resume_session_id} is gone; starting the task over\n`, "stderr");
    }
    return (await this.runOnce(args, promptAsData(task), task, context)).finish();
  }

  /** The task's mode, else the worker's default; refuses what the CLI would refuse, before starting it. */
  private permissionModeOf(task: ToolTask): ClaudePermissionMode {
    const asked = stringOption(task.options, "permission_mode") ?? this.settings.defaultPermissionMode;
    if (!(claudePermissionModes as readonly string[]).includes(asked)) {
      throw new ToolInputError(
        `Claude Code has no permission mode "${asked}" (it takes ${claudePermissionModes.join(", ")})`,
        this.id,
      );
    }
    // The CLI exits at once as root unless told it runs in a deliberate sandbox (IS_SANDBOX=1, bubblewrap).
    const env = this.settings.env;
    if (
      asked === "bypassPermissions" &&
      process.getuid?.() === 0 &&
      env.IS_SANDBOX !== "1" &&
      !env.CLAUDE_CODE_BUBBLEWRAP
    ) {
      throw new ToolInputError(
        "permission_mode bypassPermissions: Claude Code refuses it when run as root " +
          '("--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons"). ' +
          "Run the worker as another user, or, on a machine that is itself a sandbox, pass IS_SANDBOX=1 " +
          "(--pass-env IS_SANDBOX)",
        this.id,
      );
    }
    return asked as ClaudePermissionMode;
  }

  private async runOnce(args: string[], prompt: string, task: ToolTask, context: RunContext) {
    const stream = new ClaudeStream(context);
    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      input: prompt,
      context,
      outputSoFar: () => stream.texts.join("\n"),
      onStdoutLine: (line) => stream.read(line),
    });
    const errors = stringList(stream.result?.errors);
    const sessionMissing =
      task.resume_session_id !== undefined && errors.some((error) => error.startsWith("No conversation found"));
    return { sessionMissing, finish: () => this.finish(stream, exit, args) };
  }

  private finish(stream: ClaudeStream, exit: CliOutcome, args: string[]): TaskResult {
    const result = stream.result;
    const output = stringField(result, "result") ?? stream.texts.join("\n");
    const detail = stream.detail(args);
    if (result === null || result.is_error === true || exit.exitCode !== 0) {
      const extra = { output, exitCode: exit.exitCode, detail: { ...detail, total_cost_usd: result?.total_cost_usd } };
      const limit = classifyClaudeLimit(stream.limitSignals());
      if (limit) throw new ToolLimitedError(limit, this.id, extra);
      throw new ToolRunError(
        `Claude Code failed: ${failureOf(result, exit)}`,
        this.id,
        output,
        exit.exitCode,
        extra.detail,
      );
    }
    const denials = Array.isArray(result.permission_denials) ? result.permission_denials.length : 0;
    if (denials > 0) {
      stream.context.onOutput(
        `Claude Code was denied ${denials} tool call(s) in permission mode ${detail.permission_mode}: see detail.permission_denials\n`,
        "stderr",
      );
    }
    const tokens = tokensOf(result);
    return buildResult({
      output,
      inputTokens: tokens.input,
      outputTokens: tokens.output,
      costUsd: numberField(result, "total_cost_usd"),
      exitCode: exit.exitCode,
      detail,
    });
  }
}

/** Reads the stream-json events of one run, streaming text and tool activity as they come. */
export class ClaudeStream {
  readonly texts: string[] = [];
  init: Json | null = null;
  result: Json | null = null;
  rateLimit: Json | null = null;
  lastRetry: Json | null = null;
  apiError: string | null = null;

  constructor(readonly context: RunContext) {}

  read(line: string): void {
    const event = parseJsonLine(line);
    if (event === null) {
      if (line.trim() !== "") this.context.onOutput(`${line}\n`, "stdout");
      return;
    }
    if (event.type === "system" && event.subtype === "init") this.init = event;
    else if (event.type === "system" && event.subtype === "api_retry") this.retrying(event);
    else if (event.type === "assistant") this.assistant(event);
    else if (event.type === "user") this.toolResults(event);
    else if (event.type === "rate_limit_event") this.rateLimited(event);
    else if (event.type === "result") this.result = event;
  }

  private assistant(event: Json): void {
    // The CLI words its own API errors as an assistant message: diagnostics, not the model's answer.
    if (event.is_api_error_message === true || typeof event.error === "string") {
      this.apiError = typeof event.error === "string" ? event.error : this.apiError;
      for (const block of contentBlocks(event)) {
        if (block.type === "text") this.context.onOutput(`${String(block.text)}\n`, "stderr");
      }
      return;
    }
    for (const block of contentBlocks(event)) {
      if (block.type === "text" && typeof block.text === "string") {
        this.texts.push(block.text);
        this.context.onOutput(`${block.text}\n`, "stdout");
      } else if (block.type === "tool_use") {
        const use = { type: "tool_use", id: block.id, name: block.name, input: block.input };
        this.context.onOutput(JSON.stringify(use), "event");
      }
    }
  }

  private toolResults(event: Json): void {
    for (const block of contentBlocks(event)) {
      if (block.type !== "tool_result") continue;
      const content = resultText(block.content);
      const summary = {
        type: "tool_result",
        tool_use_id: block.tool_use_id,
        is_error: block.is_error === true,
        content: content.slice(0, resultExcerptChars),
        ...(content.length > resultExcerptChars ? { truncated: true } : {}),
      };
      this.context.onOutput(JSON.stringify(summary), "event");
    }
  }

  private rateLimited(event: Json): void {
    const info = event.rate_limit_info;
    if (typeof info !== "object" || info === null) return;
    this.rateLimit = info as Json;
    if (this.rateLimit.status !== "allowed") {
      this.context.onOutput(JSON.stringify({ type: "rate_limit", ...this.rateLimit }), "event");
    }
  }

  private retrying(event: Json): void {
    this.lastRetry = event;
    const seconds = (numberField(event, "retry_delay_ms") / 1000).toFixed(1);
    this.context.onOutput(
      `Claude Code retries after API error ${event.error_status ?? event.error} ` +
        `(attempt ${event.attempt}/${event.max_retries}, in ${seconds} s)\n`,
      "stderr",
    );
  }

  limitSignals(): ClaudeLimitSignals {
    return { rateLimit: this.rateLimit, result: this.result, lastRetry: this.lastRetry, apiError: this.apiError };
  }

  detail(args: string[]): Record<string, unknown> {
    const detail: Record<string, unknown> = {};
    const sessionId = stringField(this.result, "session_id") ?? stringField(this.init, "session_id");
    if (sessionId) detail.session_id = sessionId;
    const model = stringField(this.init, "model");
    if (model) detail.model = model;
    detail.permission_mode = stringField(this.init, "permissionMode") ?? args[args.indexOf("--permission-mode") + 1];
    const kept: Record<string, string> = {
      subtype: "subtype",
      num_turns: "num_turns",
      duration_ms: "duration_ms",
      duration_api_ms: "duration_api_ms",
      stop_reason: "stop_reason",
      terminal_reason: "terminal_reason",
      api_error_status: "api_error_status",
      api_error_type: "api_error_type",
      api_error: "api_error",
      errors: "errors",
      permission_denials: "permission_denials",
      usage: "usage",
      modelUsage: "model_usage",
    };
    for (const [from, to] of Object.entries(kept)) {
      const value = this.result?.[from];
      if (value !== undefined && value !== null) detail[to] = value;
    }
    if (this.rateLimit) detail.rate_limit = this.rateLimit;
    return detail;
  }
}

/** Tokens over every model the run used (subagents included); the main loop's `usage` when absent. */
export function tokensOf(result: Json): { input: number; output: number } {
  const perModel = result.modelUsage;
  if (typeof perModel === "object" && perModel !== null && Object.keys(perModel).length > 0) {
    let input = 0;
    let output = 0;
    for (const usage of Object.values(perModel)) {
      input +=
        numberField(usage, "inputTokens") +
        numberField(usage, "cacheReadInputTokens") +
        numberField(usage, "cacheCreationInputTokens");
      output += numberField(usage, "outputTokens");
    }
    return { input, output };
  }
  const usage = result.usage;
  return {
    input:
      numberField(usage, "input_tokens") +
      numberField(usage, "cache_creation_input_tokens") +
      numberField(usage, "cache_read_input_tokens"),
    output: numberField(usage, "output_tokens"),
  };
}

/** What went wrong, in words: the CLI's errors, its API error, or how the process ended. */
function failureOf(result: Json | null, exit: CliOutcome): string {
  const errors = stringList(result?.errors);
  if (result?.subtype === "error_max_turns") {
    const turns = /\((\d+)\)/.exec(errors[0] ?? "")?.[1];
    return `max turns reached${turns ? ` (${turns})` : ""}`;
  }
  const text = stringField(result, "result");
  const status = numberField(result, "api_error_status");
  if (status > 0) return `API error ${status}: ${text ?? stringField(result, "api_error_type") ?? "no message"}`;
  return (
    (errors.length > 0 ? errors.join("; ") : undefined) ||
    text ||
    exit.stderr.trim() ||
    stringField(result, "subtype") ||
    `claude exited with code ${exit.exitCode ?? exit.exitSignal}`
  );
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => (typeof block === "object" && block !== null && "text" in block ? String(block.text) : ""))
    .join("\n");
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

function contentBlocks(event: Json): Json[] {
  const message = event.message as Json | undefined;
  const content = message?.content;
  return Array.isArray(content)
    ? content.filter((block): block is Json => typeof block === "object" && block !== null)
    : [];
}
