// Claude Code in headless mode: `claude -p --output-format stream-json --verbose [options] -- <prompt>`.
// `-p` is a boolean flag; the prompt is a positional argument, after `--` so that one starting with `-`
// is never read as an option.
// The stream is NDJSON: a `system`/`init` event, `assistant` and `user` messages (Anthropic message
// objects under `message`), and a final `result` event carrying the answer, usage and total_cost_usd.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliSettings, cliHealth, detectCliVersion, parseJsonLine, runCli } from "./cli.ts";
import { ToolRunError } from "./errors.ts";
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

export class ClaudeCodeTool implements Tool {
  readonly id = "claude_code" as const;

  constructor(private readonly settings: CliSettings) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    // The CLI accepts aliases for its current models; it has no command that lists them.
    return { name: this.id, version, models: ["sonnet", "opus", "haiku"], any_model: true, healthy: true };
  }

  health(): Promise<ToolHealth> {
    return cliHealth(this.settings);
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const args = ["-p", "--output-format", "stream-json", "--verbose"];
    if (task.model) args.push("--model", task.model);
    const maxTurns = integerOption(task.options, "max_turns");
    if (maxTurns) args.push("--max-turns", String(maxTurns));
    const allowedTools = listOption(task.options, "allowed_tools");
    if (allowedTools) args.push("--allowedTools", allowedTools.join(","));
    const permissionMode = stringOption(task.options, "permission_mode");
    if (permissionMode) args.push("--permission-mode", permissionMode);
    args.push("--", task.prompt);

    const texts: string[] = [];
    let init: Json | null = null;
    let result: Json | null = null;

    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      context,
      outputSoFar: () => texts.join("\n"),
      onStdoutLine: (line) => {
        const event = parseJsonLine(line);
        if (event === null) {
          if (line.trim() !== "") context.onOutput(`${line}\n`, "stdout");
          return;
        }
        if (event.type === "system" && event.subtype === "init") init = event;
        else if (event.type === "assistant") streamAssistant(event, texts, context);
        else if (event.type === "user") streamToolResults(event, context);
        else if (event.type === "result") result = event;
      },
    });

    const finalEvent = result as Json | null;
    const initEvent = init as Json | null;
    const output = stringField(finalEvent, "result") ?? texts.join("\n");
    if (finalEvent === null || finalEvent.is_error === true || exit.exitCode !== 0) {
      const reason =
        stringField(finalEvent, "result") ||
        stringField(finalEvent, "subtype") ||
        exit.stderr.trim() ||
        `claude exited with code ${exit.exitCode ?? exit.exitSignal}`;
      throw new ToolRunError(
        `Claude Code failed: ${reason}`,
        this.id,
        output,
        exit.exitCode,
        detailOf(finalEvent, initEvent),
      );
    }

    const usage = finalEvent.usage;
    return buildResult({
      output,
      inputTokens:
        numberField(usage, "input_tokens") +
        numberField(usage, "cache_creation_input_tokens") +
        numberField(usage, "cache_read_input_tokens"),
      outputTokens: numberField(usage, "output_tokens"),
      costUsd: numberField(finalEvent, "total_cost_usd"),
      exitCode: exit.exitCode,
      detail: detailOf(finalEvent, initEvent),
    });
  }
}

function streamAssistant(event: Json, texts: string[], context: RunContext): void {
  for (const block of contentBlocks(event)) {
    if (block.type === "text" && typeof block.text === "string") {
      texts.push(block.text);
      context.onOutput(`${block.text}\n`, "stdout");
    } else if (block.type === "tool_use") {
      context.onOutput(JSON.stringify({ type: "tool_use", name: block.name, input: block.input }), "event");
    }
  }
}

function streamToolResults(event: Json, context: RunContext): void {
  for (const block of contentBlocks(event)) {
    if (block.type === "tool_result") {
      const summary = { type: "tool_result", tool_use_id: block.tool_use_id, is_error: block.is_error === true };
      context.onOutput(JSON.stringify(summary), "event");
    }
  }
}

function contentBlocks(event: Json): Json[] {
  const message = event.message as Json | undefined;
  const content = message?.content;
  return Array.isArray(content)
    ? content.filter((block): block is Json => typeof block === "object" && block !== null)
    : [];
}

function detailOf(result: Json | null, init: Json | null): Record<string, unknown> {
  const detail: Record<string, unknown> = {};
  const sessionId = stringField(result, "session_id") ?? stringField(init, "session_id");
  if (sessionId) detail.session_id = sessionId;
  const model = stringField(init, "model");
  if (model) detail.model = model;
  if (result) {
    for (const key of ["subtype", "num_turns", "duration_ms", "duration_api_ms", "usage", "modelUsage"]) {
      if (result[key] !== undefined) detail[key === "modelUsage" ? "model_usage" : key] = result[key];
    }
  }
  return detail;
}
