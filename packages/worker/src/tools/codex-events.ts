// Reads `codex exec --json` (Codex 0.171.0, checked against the real CLI): one JSON event a line.
//   thread.started {thread_id}                      first; the id `codex exec resume` takes
//   turn.started
//   item.started | item.updated | item.completed {item: {id, type, …}}, item types:
//     agent_message {text} (completed only), reasoning {text}, command_execution {command,
//     aggregated_output, exit_code, status}, file_change {changes, status}, mcp_tool_call {server, tool,
//     arguments, result, error, status}, web_search {query, action}, todo_list {items}, plan {text},
//     error {message} (non-fatal: e.g. "Model metadata for `x` not found…", may come before turn.started)
//   turn.completed {usage: {input_tokens, cached_input_tokens, cache_write_input_tokens, output_tokens,
//     reasoning_output_tokens}}: the thread's totals so far (a resumed thread counts its earlier runs too);
//     input includes cached input, output includes reasoning, as OpenAI bills them
//   turn.failed {error: {message}}
//   error {message}: "Reconnecting... 1/5 (…)" while it retries, then the fatal message again
import { numberField, stringField } from "./result.ts";
import type { OutputStream } from "./tool.ts";

type Json = Record<string, unknown>;

export interface CodexUsage {
  input: number;
  cachedInput: number;
  cacheWriteInput: number;
  output: number;
  reasoningOutput: number;
}

/** What a run said, gathered from its events. */
export interface CodexRunState {
  threadId?: string;
  /** The agent's messages, in order: the last one is the answer. */
  messages: string[];
  usage: CodexUsage;
  completed: boolean;
  /** The fatal message of `turn.failed` (or the last `error` event when no turn.failed came). */
  failure?: string;
  /** Non-fatal error items and retry notices, in order (bounded). */
  warnings: string[];
}

const keptWarnings = 50;
const keptCommandOutputChars = 4_000;

export function newCodexRunState(): CodexRunState {
  return {
    messages: [],
    usage: { input: 0, cachedInput: 0, cacheWriteInput: 0, output: 0, reasoningOutput: 0 },
    completed: false,
    warnings: [],
  };
}

export type Emit = (chunk: string, stream: OutputStream) => void;

/** Folds one event into the state and streams what a person watching the task should see. */
export function readCodexEvent(state: CodexRunState, event: Json, emit: Emit): void {
  switch (event.type) {
    case "thread.started":
      state.threadId = stringField(event, "thread_id") ?? state.threadId;
      return;
    case "item.started":
    case "item.updated":
    case "item.completed":
      readItem(state, event, emit);
      return;
    case "turn.completed":
      state.completed = true;
      // Totals, not increments: one `codex exec` runs one turn, and its event carries the thread's sum.
      state.usage = {
        input: numberField(event.usage, "input_tokens"),
        cachedInput: numberField(event.usage, "cached_input_tokens"),
        cacheWriteInput: numberField(event.usage, "cache_write_input_tokens"),
        output: numberField(event.usage, "output_tokens"),
        reasoningOutput: numberField(event.usage, "reasoning_output_tokens"),
      };
      return;
    case "turn.failed":
      state.failure = stringField(event.error, "message") ?? "the turn failed";
      return;
    case "error": {
      const message = stringField(event, "message") ?? "error";
      // Retry notices come as errors too; the fatal one is repeated by turn.failed, which then wins.
      if (state.failure === undefined || !/^Reconnecting\.\.\./.test(message)) state.failure = message;
      warn(state, message);
      emit(JSON.stringify({ type: "error", message }), "event");
      return;
    }
  }
}

function readItem(state: CodexRunState, event: Json, emit: Emit): void {
  const item = event.item as Json | undefined;
  if (typeof item !== "object" || item === null) return;
  if (item.type === "agent_message") {
    if (event.type !== "item.completed") return;
    const text = stringField(item, "text") ?? "";
    state.messages.push(text);
    emit(`${text}\n`, "stdout");
    return;
  }
  if (item.type === "error" && event.type === "item.completed") warn(state, stringField(item, "message") ?? "error");
  const summary: Json = { type: event.type, item_type: item.type };
  for (const key of [
    "id",
    "command",
    "exit_code",
    "status",
    "text",
    "message",
    "changes",
    "server",
    "tool",
    "query",
    "items",
  ]) {
    if (item[key] !== undefined && item[key] !== null) summary[key] = item[key];
  }
  if (item.type === "mcp_tool_call") {
    if (item.arguments !== undefined) summary.arguments = item.arguments;
    const error = stringField(item.error, "message");
    if (error) summary.error = error;
  }
  const output = stringField(item, "aggregated_output");
  if (output) summary.output = output.length > keptCommandOutputChars ? output.slice(-keptCommandOutputChars) : output;
  emit(JSON.stringify(summary), "event");
}

function warn(state: CodexRunState, message: string): void {
  if (state.warnings.length < keptWarnings) state.warnings.push(message);
}
