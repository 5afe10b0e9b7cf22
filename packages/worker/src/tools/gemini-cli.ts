// Gemini CLI in headless mode: `gemini --output-format json [options] --prompt=<prompt>`. The prompt is
// joined to its flag: `-p <prompt>` makes yargs read a prompt starting with `-` as an option. It prints one JSON object
// when done: `{session_id, response, stats: {models: {<name>: {tokens: {prompt, candidates, …}}}, …}, error?}`.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliSettings, cliHealth, detectCliVersion, runCli } from "./cli.ts";
import { ToolRunError } from "./errors.ts";
import { costOf } from "./pricing.ts";
import { buildResult, numberField, stringField } from "./result.ts";
import { type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

type Json = Record<string, unknown>;

export class GeminiCliTool implements Tool {
  readonly id = "gemini_cli" as const;

  constructor(private readonly settings: CliSettings) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    return { name: this.id, version, models: ["gemini-2.5-pro", "gemini-2.5-flash"], any_model: true, healthy: true };
  }

  health(): Promise<ToolHealth> {
    return cliHealth(this.settings);
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    // Every task runs in a new directory, and headless runs refuse an untrusted one (exit 55) since 0.41.
    const args = ["--output-format", "json", "--skip-trust"];
    if (task.model) args.push("-m", task.model);
    // Headless runs cannot answer approval prompts; the task chooses how much the agent may do alone
    // (within what the worker's owner allows: agent-modes.ts).
    const approvalMode = stringOption(task.options, "approval_mode");
    if (approvalMode) args.push("--approval-mode", approvalMode);
    args.push(`--prompt=${task.prompt}`);

    const stdout: string[] = [];
    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      context,
      outputSoFar: () => stdout.join("\n"),
      onStdoutLine: (line) => {
        stdout.push(line);
      },
    });

    const payload = parseFinalJson(stdout);
    const response = stringField(payload, "response") ?? "";
    // In JSON mode the CLI reports fatal errors as `{error: {type, message, code}}`, on stderr.
    const error = (payload?.error ?? parseFinalJson(exit.stderr.split("\n"))?.error) as Json | undefined;
    if (payload === null || error || exit.exitCode !== 0) {
      const reason =
        stringField(error, "message") ||
        exit.stderr.trim() ||
        `gemini exited with code ${exit.exitCode ?? exit.exitSignal}`;
      const output = payload === null ? stdout.join("\n") : response;
      throw new ToolRunError(`Gemini CLI failed: ${reason}`, this.id, output, exit.exitCode, { error });
    }
    if (response !== "") context.onOutput(response.endsWith("\n") ? response : `${response}\n`, "stdout");

    const tokens = tokensByModel(payload.stats);
    let costUsd = 0;
    const notes: string[] = [];
    for (const { model, input, cached, output } of tokens) {
      const cost = costOf(
        model,
        { input: input - cached, cacheRead: cached, output },
        { provider: "google", requests: "many" },
      );
      costUsd += cost.costUsd;
      if (cost.note) notes.push(cost.note);
    }
    const detail: Record<string, unknown> = { stats: payload.stats };
    const sessionId = stringField(payload, "session_id");
    if (sessionId) detail.session_id = sessionId;
    if (tokens[0]) detail.model = tokens[0].model;
    if (notes.length > 0) detail.cost_note = notes.join("; ");

    return buildResult({
      output: response,
      inputTokens: tokens.reduce((sum, t) => sum + t.input, 0),
      outputTokens: tokens.reduce((sum, t) => sum + t.output, 0),
      costUsd,
      exitCode: exit.exitCode,
      detail,
    });
  }
}

/** The JSON object the CLI printed; tolerant of log lines printed before it. */
function parseFinalJson(lines: string[]): Json | null {
  for (let start = 0; start < lines.length; start++) {
    if (!lines[start]!.trimStart().startsWith("{")) continue;
    try {
      const value: unknown = JSON.parse(lines.slice(start).join("\n"));
      if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Json;
    } catch {
      // not the start of the object; keep looking
    }
  }
  return null;
}

function tokensByModel(stats: unknown): Array<{ model: string; input: number; cached: number; output: number }> {
  const models = (stats as Json | undefined)?.models;
  if (typeof models !== "object" || models === null) return [];
  return Object.entries(models as Json).map(([model, entry]) => {
    const tokens = (entry as Json | undefined)?.tokens;
    // Thinking tokens are billed as output.
    return {
      model,
      input: numberField(tokens, "prompt"),
      // Part of prompt, billed at the cached-input price.
      cached: numberField(tokens, "cached"),
      output: numberField(tokens, "candidates") + numberField(tokens, "thoughts"),
    };
  });
}
