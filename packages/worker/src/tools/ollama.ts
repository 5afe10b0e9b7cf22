// Ollama over its REST API: GET /api/version and /api/tags to detect, POST /api/chat with stream: true
// to run. The chat stream is NDJSON: `{message: {content}, done: false}` chunks, then a `done: true`
// line carrying prompt_eval_count and eval_count. Local models cost nothing.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { abortReasonOf, ToolAbortedError, ToolRunError } from "./errors.ts";
import { buildResult, numberField, stringField } from "./result.ts";
import { type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

type Json = Record<string, unknown>;

export interface OllamaSettings {
  host: string;
  /** Used when a task names no model; otherwise the first installed model. */
  defaultModel?: string;
}

const probeTimeoutMs = 5_000;

export class OllamaTool implements Tool {
  readonly id = "ollama" as const;

  constructor(private readonly settings: OllamaSettings) {}

  async detect(): Promise<WorkerTool | null> {
    try {
      const version = stringField(await this.getJson("/api/version"), "version") ?? null;
      return { name: this.id, version, models: await this.listModels(), healthy: true };
    } catch {
      return null;
    }
  }

  async health(): Promise<ToolHealth> {
    try {
      await this.getJson("/api/version");
      return { healthy: true };
    } catch (error) {
      return { healthy: false, detail: `Ollama at ${this.settings.host} is unreachable: ${(error as Error).message}` };
    }
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    let output = "";
    try {
      const model = task.model || this.settings.defaultModel || (await this.listModels())[0];
      if (!model) throw new ToolRunError("No model given and none is installed in Ollama", this.id);
      const messages: Json[] = [];
      const system = stringOption(task.options, "system");
      if (system) messages.push({ role: "system", content: system });
      messages.push({ role: "user", content: task.prompt });
      const body: Json = { model, messages, stream: true };
      if (typeof task.options.ollama_options === "object") body.options = task.options.ollama_options;

      const response = await fetch(this.url("/api/chat"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: context.signal,
      });
      if (!response.ok || response.body === null) {
        const text = await response.text();
        const reason = stringField(safeJson(text), "error") ?? (text || response.statusText);
        throw new ToolRunError(`Ollama answered ${response.status}: ${reason}`, this.id, "", null, {
          status: response.status,
        });
      }

      let final: Json | null = null;
      for await (const line of readLines(response.body)) {
        const chunk = safeJson(line);
        if (chunk === null) continue;
        const error = stringField(chunk, "error");
        if (error) throw new ToolRunError(`Ollama failed: ${error}`, this.id, output);
        const content = stringField(chunk.message, "content");
        if (content) {
          output += content;
          context.onOutput(content, "stdout");
        }
        if (chunk.done === true) final = chunk;
      }
      // A stream may end quietly when aborted instead of throwing.
      context.signal.throwIfAborted();
      if (final === null) throw new ToolRunError("Ollama closed the stream before it was done", this.id, output);

      return buildResult({
        output,
        inputTokens: numberField(final, "prompt_eval_count"),
        outputTokens: numberField(final, "eval_count"),
        costUsd: 0,
        detail: {
          model: stringField(final, "model") ?? model,
          done_reason: final.done_reason,
          total_duration_ns: final.total_duration,
        },
      });
    } catch (error) {
      if (context.signal.aborted) throw new ToolAbortedError(abortReasonOf(context.signal), this.id, output);
      if (error instanceof ToolRunError) throw error;
      throw new ToolRunError(`Ollama request failed: ${(error as Error).message}`, this.id, output);
    }
  }

  private async listModels(): Promise<string[]> {
    const tags = await this.getJson("/api/tags");
    const models = Array.isArray(tags.models) ? (tags.models as Json[]) : [];
    return models.map((model) => stringField(model, "name") ?? stringField(model, "model") ?? "").filter(Boolean);
  }

  private async getJson(path: string): Promise<Json> {
    const response = await fetch(this.url(path), { signal: AbortSignal.timeout(probeTimeoutMs) });
    if (!response.ok) throw new Error(`GET ${path} answered ${response.status}`);
    return (await response.json()) as Json;
  }

  private url(path: string): string {
    return new URL(path, this.settings.host.endsWith("/") ? this.settings.host : `${this.settings.host}/`).toString();
  }
}

/** Splits a byte stream into lines as they arrive. */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const bytes of body) {
    buffered += decoder.decode(bytes, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.decode();
  if (buffered !== "") yield buffered;
}

function safeJson(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Json) : null;
  } catch {
    return null;
  }
}
