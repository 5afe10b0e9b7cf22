// A task's `event` output chunks, read into one vocabulary. The worker's adapters each pass on their CLI's
// tool activity as one JSON object per chunk, in the shape closest to that CLI:
//   Claude Code  tool_use {id, name, input}; tool_result {tool_use_id, is_error, content, truncated?};
//                rate_limit {status, resetsAt?, …}
//   Gemini CLI   tool_use {id, name, input | input_excerpt}; tool_result {tool_use_id, is_error, output,
//                output_truncated?, error?}; warning {severity, message}
//   Codex        item.started | item.updated | item.completed {item_type, id?, command, exit_code, status,
//                output, text, changes, server, tool, arguments, error, query, items}; error {message}
// The dashboard and the CLI both read them through here, so they show the same conversation.
import { z } from "zod";

/** One thing an agent did, as a person watching it reads it. */
export type OutputEvent =
  | { kind: "tool_call"; id: string | null; name: string; input: string }
  | {
      kind: "tool_result";
      id: string | null;
      /** Set when the result arrives without a separate call event (Codex reports a command once, done). */
      call: { name: string; input: string } | null;
      is_error: boolean;
      output: string;
      truncated: boolean;
    }
  | { kind: "thinking"; text: string }
  | { kind: "error"; message: string }
  | { kind: "notice"; message: string };

/** A line of `stdout`/`stderr`/`event` output, as stored and streamed (realtime `task.output`). */
export interface OutputChunkLike {
  attempt: number;
  seq: number;
  stream: "stdout" | "stderr" | "event";
  chunk: string;
}

/** A turn of the conversation: text runs merged, each tool call paired with its result. */
export type ConversationEntry =
  | { type: "text"; key: string; text: string }
  | { type: "stderr"; key: string; text: string }
  | {
      type: "tool";
      key: string;
      name: string;
      input: string;
      result: { is_error: boolean; output: string; truncated: boolean } | null;
    }
  | { type: "thinking"; key: string; text: string }
  | { type: "error"; key: string; text: string }
  | { type: "notice"; key: string; text: string };

const Loose = z.record(z.string(), z.unknown());
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
const inputSummaryChars = 300;

/** Reads one `event` chunk; null when it is not JSON or not an event a person needs to see. */
export function parseOutputEvent(chunk: string): OutputEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(chunk);
  } catch {
    return null;
  }
  const parsed = Loose.safeParse(raw);
  if (!parsed.success) return null;
  const event = parsed.data;
  switch (event.type) {
    case "tool_use":
      return {
        kind: "tool_call",
        id: text(event.id),
        name: text(event.name) ?? "tool",
        input: summariseInput(event.input ?? event.input_excerpt),
      };
    case "tool_result": {
      const output = text(event.content) ?? text(event.output) ?? "";
      const error = text(event.error);
      return {
        kind: "tool_result",
        id: text(event.tool_use_id),
        call: null,
        is_error: event.is_error === true,
        output: error && !output.includes(error) ? [output, error].filter(Boolean).join("\n") : output,
        truncated: event.truncated === true || event.output_truncated === true,
      };
    }
    case "error":
      return { kind: "error", message: text(event.message) ?? "error" };
    case "warning":
      return { kind: "notice", message: text(event.message) ?? "warning" };
    case "rate_limit":
      return { kind: "notice", message: rateLimitMessage(event) };
    case "item.started":
    case "item.updated":
    case "item.completed":
      return codexItem(event);
    default:
      return null;
  }
}

function codexItem(event: Record<string, unknown>): OutputEvent | null {
  const id = text(event.id);
  const done = event.type === "item.completed";
  const call = codexCall(event);
  if (call) {
    if (!done) return event.type === "item.started" ? { kind: "tool_call", id, ...call } : null;
    const error = text(event.error);
    const exitCode = typeof event.exit_code === "number" ? event.exit_code : null;
    const failed = event.status === "failed" || event.status === "declined" || (exitCode !== null && exitCode !== 0);
    const output = [
      text(event.output) ?? "",
      error ?? "",
      exitCode !== null && exitCode !== 0 ? `exit ${exitCode}` : "",
    ]
      .filter(Boolean)
      .join("\n");
    return { kind: "tool_result", id, call, is_error: failed, output, truncated: false };
  }
  if (!done) return null;
  switch (event.item_type) {
    case "reasoning":
      return text(event.text) ? { kind: "thinking", text: text(event.text) ?? "" } : null;
    case "error":
      return { kind: "notice", message: text(event.message) ?? "error" };
    case "todo_list":
    case "plan":
      return { kind: "notice", message: planText(event) };
    default:
      return null;
  }
}

/** The tool-like Codex items: each is a call and, once completed, its result. */
function codexCall(event: Record<string, unknown>): { name: string; input: string } | null {
  switch (event.item_type) {
    case "command_execution":
      return { name: "shell", input: text(event.command) ?? "" };
    case "file_change":
      return { name: "edit files", input: fileChanges(event.changes) };
    case "mcp_tool_call":
      return {
        name: [text(event.server), text(event.tool)].filter(Boolean).join(".") || "mcp tool",
        input: summariseInput(event.arguments),
      };
    case "web_search":
      return { name: "web search", input: text(event.query) ?? "" };
    default:
      return null;
  }
}

function fileChanges(changes: unknown): string {
  if (!Array.isArray(changes)) return "";
  return changes
    .map((change) => {
      const item = Loose.safeParse(change);
      if (!item.success) return "";
      return [text(item.data.kind), text(item.data.path)].filter(Boolean).join(" ");
    })
    .filter(Boolean)
    .join(", ");
}

function planText(event: Record<string, unknown>): string {
  if (!Array.isArray(event.items)) return `Plan: ${text(event.text) ?? ""}`;
  const steps = event.items.map((step) => {
    const item = Loose.safeParse(step);
    if (!item.success) return "";
    return `${item.data.completed === true ? "[x]" : "[ ]"} ${text(item.data.text) ?? ""}`;
  });
  return `Plan:\n${steps.join("\n")}`;
}

function rateLimitMessage(event: Record<string, unknown>): string {
  const status = text(event.status) ?? "limited";
  const resets = typeof event.resetsAt === "number" ? new Date(event.resetsAt * 1000).toISOString() : null;
  return `Usage limit: ${status.replace(/_/g, " ")}${resets ? ` (resets ${resets})` : ""}`;
}

/** A tool's input on one line: its command, path or query when it has one, else its JSON. */
export function summariseInput(input: unknown): string {
  if (typeof input === "string") return clip(input);
  const fields = Loose.safeParse(input);
  if (!fields.success) return input === undefined ? "" : clip(JSON.stringify(input));
  for (const key of ["command", "file_path", "path", "absolute_path", "pattern", "query", "url", "prompt"]) {
    const value = text(fields.data[key]);
    if (value) return clip(value);
  }
  return clip(JSON.stringify(fields.data));
}

function clip(value: string): string {
  const line = value.replace(/\s+/g, " ").trim();
  return line.length > inputSummaryChars ? `${line.slice(0, inputSummaryChars - 1)}…` : line;
}

/**
 * The conversation of one attempt's chunks (in order): text runs merged per stream, a tool call paired with
 * its result by id (or, without ids, with the oldest open call), anything unreadable kept as text.
 */
export function buildConversation(chunks: readonly OutputChunkLike[]): ConversationEntry[] {
  const entries: ConversationEntry[] = [];
  const open = new Map<string, Extract<ConversationEntry, { type: "tool" }>>();
  const openWithoutId: Array<Extract<ConversationEntry, { type: "tool" }>> = [];
  for (const chunk of chunks) {
    const key = `${chunk.attempt}:${chunk.seq}`;
    if (chunk.stream !== "event") {
      const last = entries.at(-1);
      const type = chunk.stream === "stdout" ? "text" : "stderr";
      if (last && last.type === type) last.text += chunk.chunk;
      else entries.push({ type, key, text: chunk.chunk });
      continue;
    }
    const event = parseOutputEvent(chunk.chunk);
    if (event === null) {
      entries.push({ type: "notice", key, text: chunk.chunk });
      continue;
    }
    switch (event.kind) {
      case "tool_call": {
        const entry = { type: "tool" as const, key, name: event.name, input: event.input, result: null };
        entries.push(entry);
        if (event.id) open.set(event.id, entry);
        else openWithoutId.push(entry);
        break;
      }
      case "tool_result": {
        const result = { is_error: event.is_error, output: event.output, truncated: event.truncated };
        const call = (event.id ? open.get(event.id) : undefined) ?? (event.id ? undefined : openWithoutId.shift());
        if (call) {
          call.result = result;
          if (event.id) open.delete(event.id);
        } else {
          entries.push({
            type: "tool",
            key,
            name: event.call?.name ?? "tool",
            input: event.call?.input ?? "",
            result,
          });
        }
        break;
      }
      case "thinking":
        entries.push({ type: "thinking", key, text: event.text });
        break;
      case "error":
        entries.push({ type: "error", key, text: event.message });
        break;
      case "notice":
        entries.push({ type: "notice", key, text: event.message });
        break;
    }
  }
  return entries;
}

/**
 * One event as terminal lines (the CLI's `task logs`/`follow`): `→` a call, `←` its result (`✗` failed), `!` an
 * error. A result is printed without its call: the call came as its own event just before.
 */
export function describeOutputEvent(event: OutputEvent, resultLines = 12): string {
  switch (event.kind) {
    case "tool_call":
      return `→ ${event.name}${event.input ? `: ${event.input}` : ""}\n`;
    case "tool_result": {
      const lines = event.output.replace(/\n+$/, "").split("\n");
      const shown = lines.slice(0, resultLines);
      const more = lines.length - shown.length;
      const mark = event.is_error ? "✗" : "←";
      if (event.output.trim() === "") return `${mark} ${event.is_error ? "failed" : "done"}\n`;
      const text = shown.map((line, index) => (index === 0 ? `${mark} ${line}` : `  ${line}`));
      if (more > 0 || event.truncated) text.push(`  … ${more > 0 ? `${more} more lines` : "truncated"}`);
      return `${text.join("\n")}\n`;
    }
    case "thinking":
      return `· ${event.text.replace(/\n+$/, "")}\n`;
    case "error":
      return `! ${event.message}\n`;
    case "notice":
      return `· ${event.message}\n`;
  }
}
