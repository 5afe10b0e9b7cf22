// Codex CLI headless: `codex exec --json [options] -` with the prompt on stdin (as the official SDK
// does), so it is never parsed as an argument and its size is not bound by the argv limit. stdout is JSONL: `thread.started`, `turn.started`,
// `item.started|updated|completed` (agent_message, reasoning, command_execution, file_change, …),
// then `turn.completed` with usage, or `turn.failed` / `error`.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliSettings, cliHealth, detectCliVersion, parseJsonLine, runCli } from "./cli.ts";
import { ToolRunError } from "./errors.ts";
import { costOf } from "./pricing.ts";
import { buildResult, numberField, stringField } from "./result.ts";
import { type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

type Json = Record<string, unknown>;

const sandboxModes = new Set(["read-only", "workspace-write", "danger-full-access"]);

export class CodexCliTool implements Tool {
  readonly id = "codex_cli" as const;

  constructor(private readonly settings: CliSettings) {}

  async detect(): Promise<WorkerTool | null> {
    const version = await detectCliVersion(this.settings);
    if (version === null) return null;
    return { name: this.id, version, models: [], any_model: true, healthy: true };
  }

  health(): Promise<ToolHealth> {
    return cliHealth(this.settings);
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    // exec never asks for approvals; the sandbox bounds what it may do. The task's workdir is a scratch
    // directory, not a git checkout, so the repository check is skipped.
    const requested = stringOption(task.options, "sandbox");
    const sandbox = requested && sandboxModes.has(requested) ? requested : "workspace-write";
    const args = ["exec", "--json", "--skip-git-repo-check", "--sandbox", sandbox];
    if (task.model) args.push("-m", task.model);
    args.push("-");

    const messages: string[] = [];
    const usage = { input: 0, cachedInput: 0, output: 0 };
    let threadId: string | undefined;
    let completed = false;
    let failure: string | undefined;

    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      input: task.prompt,
      context,
      outputSoFar: () => messages.join("\n"),
      onStdoutLine: (line) => {
        const event = parseJsonLine(line);
        if (event === null) return;
        switch (event.type) {
          case "thread.started":
            threadId = stringField(event, "thread_id");
            break;
          case "item.started":
          case "item.completed":
            onItem(event, messages, context);
            break;
          case "turn.completed":
            completed = true;
            usage.input += numberField(event.usage, "input_tokens");
            usage.cachedInput += numberField(event.usage, "cached_input_tokens");
            usage.output += numberField(event.usage, "output_tokens");
            break;
          case "turn.failed":
            failure = stringField(event.error, "message") ?? "turn failed";
            break;
          case "error":
            failure = stringField(event, "message") ?? "error";
            break;
        }
      },
    });

    const output = messages.at(-1) ?? "";
    if (!completed || exit.exitCode !== 0) {
      const reason = failure ?? (exit.stderr.trim() || `codex exited with code ${exit.exitCode ?? exit.exitSignal}`);
      throw new ToolRunError(`Codex failed: ${reason}`, this.id, messages.join("\n"), exit.exitCode, {
        thread_id: threadId,
      });
    }

    const cost = costOf(
      task.model,
      { input: usage.input - usage.cachedInput, cacheRead: usage.cachedInput, output: usage.output },
      { provider: "openai", requests: "many" },
    );
    const detail: Record<string, unknown> = { cached_input_tokens: usage.cachedInput };
    if (threadId) detail.thread_id = threadId;
    if (task.model) detail.model = task.model;
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
}

function onItem(event: Json, messages: string[], context: RunContext): void {
  const item = event.item as Json | undefined;
  if (!item) return;
  if (item.type === "agent_message") {
    if (event.type !== "item.completed") return;
    const text = stringField(item, "text") ?? "";
    messages.push(text);
    context.onOutput(`${text}\n`, "stdout");
    return;
  }
  const summary: Json = { type: event.type, item_type: item.type };
  for (const key of ["command", "exit_code", "status", "text", "changes"]) {
    if (item[key] !== undefined) summary[key] = item[key];
  }
  context.onOutput(JSON.stringify(summary), "event");
}
