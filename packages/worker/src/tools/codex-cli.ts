// Codex CLI headless: `codex exec --json [options] -`, or `codex exec resume --json [options] <thread> -`
// to continue a parked task's thread. The prompt goes on stdin (`-`), as the official SDK sends it: never
// parsed as an argument, and not bound by the argv limit. The JSONL it prints is read by codex-events.ts;
// its failures that are limits by codex-limits.ts, with the signals of the thread's rollout (codex-rollout.ts).
import { tmpdir } from "node:os";
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliOutcome, type CliSettings, detectCliVersion, parseJsonLine, runCli } from "./cli.ts";
import { type CodexRunState, newCodexRunState, readCodexEvent } from "./codex-events.ts";
import { codexLimitOf } from "./codex-limits.ts";
import { readRolloutSignals } from "./codex-rollout.ts";
import { ToolInputError, ToolLimitedError, ToolRunError } from "./errors.ts";
import { costOf } from "./pricing.ts";
import { runProcess } from "./process.ts";
import { buildResult } from "./result.ts";
import { healthOf, type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

const sandboxModes = ["read-only", "workspace-write", "danger-full-access"];

/** What a resumed thread is told: its history already holds the task's prompt and all the work so far. */
export const continuationPrompt =
  "Continue the task where you stopped. Your earlier run was interrupted (a usage limit or an error); " +
  "pick up from the last step you completed and finish the task.";

// `codex exec resume <x>` takes a thread id or a thread *name*, and starts a new, empty thread when no name
// matches: only a UUID is passed, so a stray id can never turn into a run without the task's prompt.
const threadIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class CodexCliTool implements Tool {
  readonly id = "codex_cli" as const;

  constructor(private readonly settings: CliSettings) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    return { name: this.id, version, models: [], any_model: true, ...(await this.loginState()) };
  }

  async health(): Promise<ToolHealth> {
    const detected = await this.detect();
    return detected ? healthOf(detected) : { healthy: false, detail: `${this.settings.command} --version failed` };
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const sandbox = stringOption(task.options, "sandbox") ?? "workspace-write";
    if (!sandboxModes.includes(sandbox)) {
      throw new ToolInputError(
        `codex_cli: sandbox must be one of ${sandboxModes.join(", ")} (got ${JSON.stringify(sandbox.slice(0, 100))})`,
        this.id,
      );
    }
    // exec never asks for approvals; the sandbox bounds what it may do. `-c sandbox_mode=…` because
    // `exec resume` has no --sandbox flag. The workdir is a scratch directory, not a git checkout.
    const options = ["--json", "--skip-git-repo-check", "-c", `sandbox_mode="${sandbox}"`];
    if (task.model) options.push("-m", task.model);
    const fresh = () => this.runOnce(["exec", ...options, "-"], task.prompt, context);

    const detail: Record<string, unknown> = { sandbox };
    let attempt: { state: CodexRunState; exit: CliOutcome };
    const resumeId = task.resume_session_id;
    if (resumeId && threadIdPattern.test(resumeId)) {
      const turn = task.resume_turn === "prompt" ? task.prompt : continuationPrompt;
      attempt = await this.runOnce(["exec", "resume", ...options, resumeId, "-"], turn, context);
      const missing = /no rollout found for thread id[^\n]*/.exec(attempt.exit.stderr);
      if (attempt.state.threadId === undefined && missing) {
        // The thread is not on this machine (another CODEX_HOME, sessions deleted): do the task from scratch.
        detail.resume_failed = missing[0];
        attempt = await fresh();
      } else {
        detail.resumed_session = resumeId;
      }
    } else {
      if (resumeId) detail.resume_failed = `not a Codex thread id: ${JSON.stringify(resumeId.slice(0, 100))}`;
      attempt = await fresh();
    }

    const { state, exit } = attempt;
    if (state.threadId) detail.session_id = state.threadId;
    if (state.warnings.length > 0) detail.warnings = state.warnings;
    const output = state.messages.at(-1) ?? "";
    if (!state.completed || exit.exitCode !== 0) throw await this.failureOf(state, exit, detail);

    const { usage } = state;
    // Without -m the config's model ran, which only the rollout names: price that one, not "(default)".
    const settings = task.model || !state.threadId ? null : await readRolloutSignals(this.settings.env, state.threadId);
    const model = task.model ?? settings?.model;
    // On a resumed thread these are the thread's totals: they include the parked attempts, whose failure
    // reports carried no usage, so each token of the task is counted once.
    const cost = costOf(
      model,
      {
        input: Math.max(0, usage.input - usage.cachedInput - usage.cacheWriteInput),
        cacheRead: usage.cachedInput,
        cacheWrite: usage.cacheWriteInput,
        output: usage.output,
      },
      { provider: "openai", requests: "many" },
    );
    detail.cached_input_tokens = usage.cachedInput;
    if (usage.cacheWriteInput > 0) detail.cache_write_input_tokens = usage.cacheWriteInput;
    // Already inside output_tokens (OpenAI bills reasoning as output); kept apart to show how much it was.
    detail.reasoning_output_tokens = usage.reasoningOutput;
    if (model) detail.model = model;
    if (settings?.modelProvider) detail.model_provider = settings.modelProvider;
    detail.price_table = cost.priceTable;
    if (cost.note) detail.cost_note = cost.note;
    return buildResult({
      output,
      inputTokens: usage.input,
      outputTokens: usage.output,
      costUsd: cost.costUsd,
      exitCode: exit.exitCode,
      detail,
    });
  }

  private async runOnce(
    args: string[],
    input: string,
    context: RunContext,
  ): Promise<{ state: CodexRunState; exit: CliOutcome }> {
    const state = newCodexRunState();
    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      input,
      context,
      outputSoFar: () => state.messages.join("\n"),
      onStdoutLine: (line) => {
        const event = parseJsonLine(line);
        if (event !== null) readCodexEvent(state, event, context.onOutput);
      },
    });
    return { state, exit };
  }

  private async failureOf(state: CodexRunState, exit: CliOutcome, detail: Record<string, unknown>): Promise<Error> {
    const reason =
      state.failure ?? (exit.stderr.trim() || `codex exited with code ${exit.exitCode ?? exit.exitSignal}`);
    const output = state.messages.join("\n");
    const signals = state.threadId ? await readRolloutSignals(this.settings.env, state.threadId) : null;
    // A reset time in the message is in the CLI's local time: its TZ, else this machine's zone (the same).
    const limit = codexLimitOf(reason, { now: new Date(), timeZone: this.settings.env.TZ, signals });
    if (limit) return new ToolLimitedError(limit, this.id, { output, exitCode: exit.exitCode, detail });
    return new ToolRunError(`Codex failed: ${reason}`, this.id, output, exit.exitCode, detail);
  }

  /**
   * `codex login status`: exit 0 with "Logged in using ChatGPT" / "API key configured - sk-…", exit 1 with
   * "Not logged in". A custom `model_providers` entry reads its key from the environment (`env_key`) without
   * any login, so a key in the tool's environment leaves the answer open rather than unhealthy.
   */
  private async loginState(): Promise<Pick<WorkerTool, "healthy" | "auth" | "detail">> {
    const lines: string[] = [];
    let exitCode: number | null = null;
    try {
      const exit = await runProcess({
        command: this.settings.command,
        args: ["login", "status"],
        cwd: tmpdir(),
        env: this.settings.env,
        signal: AbortSignal.timeout(15_000),
        killGraceMs: this.settings.killGraceMs,
        onLine: (line) => {
          if (line.trim() !== "") lines.push(line.trim());
        },
      });
      exitCode = exit.exitCode;
    } catch {
      return { healthy: true, auth: "unknown", detail: "`codex login status` could not be run" };
    }
    const said = lines.join(" ").slice(0, 300);
    if (exitCode === 0) return { healthy: true, auth: "logged_in", detail: said };
    if (!/not logged in/i.test(said)) {
      return { healthy: true, auth: "unknown", detail: `\`codex login status\` exited ${exitCode}: ${said}` };
    }
    const keyVariable = ["CODEX_API_KEY", "OPENAI_API_KEY"].find((name) => this.settings.env[name]);
    if (keyVariable) {
      return {
        healthy: true,
        auth: "unknown",
        detail: `not logged in; ${keyVariable} is set, which a model provider in config.toml may use`,
      };
    }
    return {
      healthy: false,
      auth: "not_logged_in",
      detail:
        "installed · not logged in: run `codex login` (ChatGPT plan) or " +
        "`printenv OPENAI_API_KEY | codex login --with-api-key` as the worker's user",
    };
  }
}
