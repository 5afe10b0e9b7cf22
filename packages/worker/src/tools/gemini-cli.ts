// Gemini CLI in headless mode: `gemini --output-format stream-json --skip-trust [options]`, the prompt on
// stdin (a non-TTY stdin makes the run headless and is read whole, up to 8 MiB, so a prompt may start with
// "-" or be larger than a command line). The stream (gemini-cli-stream.ts) gives live text and tool
// activity; its final `result` event carries the token stats. Failures: gemini-cli-failures.ts.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliSettings, detectCliVersion, runCli } from "./cli.ts";
import { ToolInputError, ToolLimitedError, ToolRunError, ToolUnavailableError } from "./errors.ts";
import { geminiAuthState } from "./gemini-cli-auth.ts";
import { classifyFailure } from "./gemini-cli-failures.ts";
import { GeminiStream, mainModel, tokensByModel } from "./gemini-cli-stream.ts";
import { costOf, priceTableVersion } from "./pricing.ts";
import { buildResult, numberField } from "./result.ts";
import { type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

/** `--approval-mode` choices in 0.61; which of them a task may ask for is agent-modes.ts's call. */
export const geminiApprovalModes = ["default", "auto_edit", "yolo", "plan"] as const;

/**
 * Sent instead of the prompt when a parked task resumes its session: the session's history holds the original
 * prompt and every turn since, so repeating a long prompt would only cost tokens and invite a fresh start.
 */
export const continuationPrompt = "Continue the task where you stopped.";

/** The CLI reads at most this much of stdin and silently drops the rest (cli/src/utils/readStdin.ts). */
const maxPromptBytes = 8 * 1024 * 1024;

export class GeminiCliTool implements Tool {
  readonly id = "gemini_cli" as const;

  constructor(
    private readonly settings: CliSettings,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    const state = await geminiAuthState(this.settings.env);
    return {
      name: this.id,
      version,
      models: ["gemini-2.5-pro", "gemini-2.5-flash"],
      any_model: true,
      auth: state.auth,
      healthy: state.auth !== "not_logged_in",
      ...(state.detail ? { detail: state.detail } : {}),
    };
  }

  async health(): Promise<ToolHealth> {
    if ((await detectCliVersion(this.settings)) === null) {
      return { healthy: false, detail: `${this.settings.command} --version failed` };
    }
    const state = await geminiAuthState(this.settings.env);
    return {
      healthy: state.auth !== "not_logged_in",
      ...(state.detail ? { detail: state.detail } : {}),
    };
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const approvalMode = stringOption(task.options, "approval_mode");
    if (approvalMode && !(geminiApprovalModes as readonly string[]).includes(approvalMode)) {
      throw new ToolInputError(
        `approval_mode "${approvalMode}" is not one of Gemini CLI's: ${geminiApprovalModes.join(", ")}`,
        this.id,
      );
    }
    if (Buffer.byteLength(task.prompt, "utf8") > maxPromptBytes) {
      throw new ToolInputError("The prompt is over 8 MiB, more than Gemini CLI reads from its input", this.id);
    }
    // Session ids are UUIDs; anything else could be read as a session index ("--resume 2") or an option.
    const resumeId =
      task.resume_session_id && /^[0-9a-f][0-9a-f-]{7,}$/i.test(task.resume_session_id)
        ? task.resume_session_id
        : undefined;
    if (resumeId) {
      try {
        return await this.runOnce(task, context, approvalMode, resumeId);
      } catch (error) {
        // A session with no answer yet is not saved as resumable, and the task may land in another workdir
        // (the CLI files sessions by directory): start afresh with the whole prompt instead.
        if (!(error instanceof ToolInputError && /Error resuming session/i.test(error.message))) throw error;
        context.onOutput(`Gemini CLI could not resume session ${resumeId}; starting the task afresh\n`, "stderr");
      }
    }
    return this.runOnce(task, context, approvalMode, undefined);
  }

  private async runOnce(
    task: ToolTask,
    context: RunContext,
    approvalMode: string | undefined,
    resumeId: string | undefined,
  ): Promise<TaskResult> {
    // Every task runs in a new directory, and headless runs refuse an untrusted one (exit 55) since 0.41.
    const args = ["--output-format", "stream-json", "--skip-trust"];
    if (task.model) args.push(`--model=${task.model}`);
    // Headless runs cannot answer approval prompts; the task chooses how much the agent may do alone
    // (within what the worker's owner allows: agent-modes.ts).
    if (approvalMode) args.push(`--approval-mode=${approvalMode}`);
    if (resumeId) args.push(`--resume=${resumeId}`);

    const stream = new GeminiStream(context.onOutput);
    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      input: resumeId && task.resume_turn !== "prompt" ? continuationPrompt : task.prompt,
      context,
      outputSoFar: () => stream.output(),
      onStdoutLine: (line) => stream.line(line),
    });

    const stats = stream.result?.stats;
    const tokens = tokensByModel(stats);
    const model = mainModel(tokens, task.model);
    const detail: Record<string, unknown> = {
      ...(stream.sessionId ? { session_id: stream.sessionId } : {}),
      ...(resumeId ? { resumed_session_id: resumeId } : {}),
      ...(stats !== undefined ? { stats } : {}),
      ...(stream.warningList().length > 0 ? { warnings: stream.warningList() } : {}),
    };
    const output = stream.output();

    const streamFailure = stream.failure();
    if (exit.exitCode !== 0 || stream.result === null || streamFailure !== null) {
      const failure = classifyFailure({
        exitCode: exit.exitCode,
        message: stream.resultError() ?? streamFailure ?? undefined,
        stderr: exit.stderr,
        now: this.now(),
      });
      const extra = { output, exitCode: exit.exitCode, detail };
      if (failure.kind === "limited") throw new ToolLimitedError(failure.limit, this.id, extra);
      if (failure.kind === "auth") {
        throw new ToolUnavailableError(failure.message, this.id, output, exit.exitCode, detail);
      }
      if (failure.kind === "input") throw new ToolInputError(failure.message, this.id, output, exit.exitCode, detail);
      // Exit 0 with a `result` event of status "error": an empty, blocked or malformed model turn.
      const message = exit.exitCode === 0 && streamFailure ? `Gemini CLI failed: ${streamFailure}` : failure.message;
      throw new ToolRunError(message, this.id, output, exit.exitCode, detail);
    }

    let costUsd = 0;
    const notes: string[] = [];
    for (const entry of tokens) {
      const cost = costOf(
        entry.model,
        { input: entry.input - entry.cached, cacheRead: entry.cached, output: entry.output },
        { provider: "google", requests: "many" },
      );
      costUsd += cost.costUsd;
      if (cost.note) notes.push(cost.note);
    }
    if (model) detail.model = model;
    detail.price_table = priceTableVersion;
    if (notes.length > 0) detail.cost_note = notes.join("; ");
    detail.tool_calls = numberField(stats, "tool_calls");

    return buildResult({
      output,
      inputTokens: tokens.reduce((sum, entry) => sum + entry.input, 0),
      outputTokens: tokens.reduce((sum, entry) => sum + entry.output, 0),
      costUsd,
      exitCode: exit.exitCode,
      detail,
    });
  }
}
