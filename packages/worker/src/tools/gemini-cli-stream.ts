// Gemini CLI's `--output-format stream-json` (core/src/output/types.ts, 0.61): one JSON event a line.
//   init         {session_id, model}             model is what was asked for ("auto"), not what answered
//   message      {role: "user"|"assistant", content, delta?}   assistant text arrives in pieces
//   tool_use     {tool_name, tool_id, parameters}
//   tool_result  {tool_id, status: "success"|"error", output?, error?: {type, message}}
//   error        {severity: "warning"|"error", message}         non-fatal: loops, blocked or empty turns
//   result       {status: "success"|"error", error?: {type, message}, stats}
// Fatal errors still end with a `result` event (status "error"), except auth and argument failures, which
// exit before the stream starts and say why on stderr only.
import { parseJsonLine } from "./cli.ts";
import { numberField, stringField } from "./result.ts";
import type { RunContext } from "./tool.ts";

type Json = Record<string, unknown>;

/** How much of a tool's output goes into its event: enough to follow the run, not a file's worth. */
export const toolOutputExcerptChars = 2000;

/** Reads the stream line by line, passing text and tool activity on as it comes. */
export class GeminiStream {
  sessionId: string | undefined;
  result: Json | null = null;
  /** Everything the model said, across turns. */
  private readonly texts: string[] = [];
  /** What it said since its last tool call: the answer (what `--output-format json` calls `response`). */
  private answer = "";
  private readonly warnings: string[] = [];
  private atLineStart = true;

  constructor(private readonly onOutput: RunContext["onOutput"]) {}

  line(line: string): void {
    const event = parseJsonLine(line);
    if (event === null) {
      if (line.trim() !== "") this.print(`${line}\n`);
      return;
    }
    switch (event.type) {
      case "init":
        this.sessionId = stringField(event, "session_id") ?? this.sessionId;
        return;
      case "message":
        if (event.role === "assistant") this.text(stringField(event, "content") ?? "");
        return;
      case "tool_use":
        this.endLine();
        this.answer = "";
        this.emit({
          type: "tool_use",
          id: stringField(event, "tool_id"),
          name: stringField(event, "tool_name"),
          ...boundedInput(event.parameters),
        });
        return;
      case "tool_result":
        this.emit(toolResultEvent(event));
        return;
      case "error": {
        const message = stringField(event, "message") ?? "";
        this.warnings.push(message);
        this.emit({ type: "warning", severity: stringField(event, "severity") ?? "warning", message });
        return;
      }
      case "result":
        this.result = event;
        this.endLine();
        return;
    }
  }

  /** The answer: the text after the last tool call, or all text when the run ended on a tool call. */
  output(): string {
    return this.answer.trim() !== "" ? this.answer : this.texts.join("");
  }

  /** The run failed inside the stream: a `result` with status "error" (its error, or the last warning's). */
  failure(): string | null {
    if (this.result === null || this.result.status !== "error") return null;
    const error = this.result.error as Json | undefined;
    return stringField(error, "message") ?? this.warnings.at(-1) ?? "the run ended with an error";
  }

  resultError(): string | undefined {
    return stringField(this.result?.error, "message");
  }

  warningList(): string[] {
    return [...this.warnings];
  }

  private text(content: string): void {
    if (content === "") return;
    this.texts.push(content);
    this.answer += content;
    this.print(content);
  }

  private print(chunk: string): void {
    this.onOutput(chunk, "stdout");
    this.atLineStart = chunk.endsWith("\n");
  }

  /** Text arrives in pieces without a final newline; one goes in before anything else is said. */
  private endLine(): void {
    if (!this.atLineStart) this.print("\n");
  }

  private emit(event: Json): void {
    this.onOutput(JSON.stringify(event), "event");
  }
}

/** A tool call's parameters, or an excerpt of them when they carry a file's worth (write_file, replace). */
function boundedInput(parameters: unknown): Json {
  const text = JSON.stringify(parameters ?? {});
  if (text.length <= toolOutputExcerptChars) return { input: parameters ?? {} };
  return { input_excerpt: text.slice(0, toolOutputExcerptChars), input_truncated: true };
}

function toolResultEvent(event: Json): Json {
  const output = stringField(event, "output") ?? "";
  const error = event.error as Json | undefined;
  return {
    type: "tool_result",
    tool_use_id: stringField(event, "tool_id"),
    is_error: event.status === "error",
    output: output.slice(0, toolOutputExcerptChars),
    ...(output.length > toolOutputExcerptChars ? { output_truncated: true } : {}),
    ...(error ? { error: stringField(error, "message") ?? "" } : {}),
  };
}

export interface ModelTokens {
  model: string;
  /** Prompt tokens, cached ones included. */
  input: number;
  cached: number;
  /** Candidates and thinking tokens: both billed as output. */
  output: number;
}

/**
 * Tokens per model from the `result` event's stats. Stream stats give `output_tokens` (candidates) but not
 * thinking tokens; `total_tokens` counts them (the API's totalTokenCount), so output is total − input.
 */
export function tokensByModel(stats: unknown): ModelTokens[] {
  const models = (stats as Json | undefined)?.models;
  if (typeof models !== "object" || models === null) return [];
  return Object.entries(models as Json).map(([model, entry]) => {
    const input = numberField(entry, "input_tokens");
    const candidates = numberField(entry, "output_tokens");
    return {
      model,
      input,
      cached: Math.min(numberField(entry, "cached"), input),
      output: Math.max(candidates, numberField(entry, "total_tokens") - input),
    };
  });
}

/**
 * The model that did the work. Stream stats carry no roles (the JSON output's `roles.main`), and in `auto`
 * mode they also list the router's classifier model; the main model is the one the task named, else the one
 * that read the most: it gets the system prompt, the tool declarations and every turn, the router a short
 * classification prompt once.
 */
export function mainModel(tokens: ModelTokens[], asked: string | null | undefined): string | undefined {
  const named = asked ? tokens.find((entry) => entry.model === asked.replace(/^models\//, "")) : undefined;
  if (named) return named.model;
  let best: ModelTokens | undefined;
  for (const entry of tokens) if (entry.input > (best?.input ?? 0)) best = entry;
  return best?.model;
}
