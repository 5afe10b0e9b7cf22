// Ollama over its REST API: GET /api/version and /api/tags to detect, POST /api/chat with stream: true
// to run. The chat stream is NDJSON: `{message: {content, thinking?}, done: false}` chunks, then a
// `done: true` line carrying prompt_eval_count and eval_count. Only content is the answer: thinking
// models stream their reasoning in message.thinking first. Local models cost nothing.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { abortReasonOf, ToolAbortedError, ToolRunError } from "./errors.ts";
import { ollamaUrl } from "./ollama-host.ts";
import { buildResult, numberField, stringField } from "./result.ts";
import { type RunContext, stringOption, type Tool, type ToolHealth, type ToolTask } from "./tool.ts";

type Json = Record<string, unknown>;

export interface OllamaSettings {
  /** The API's base URL, as ollamaBaseUrl() reads OLLAMA_HOST. */
  host: string;
  /** Used when a task names no model; otherwise the first installed model that can chat. */
  defaultModel?: string;
}

const probeTimeoutMs = 5_000;

export class OllamaTool implements Tool {
  readonly id = "ollama" as const;

  constructor(private readonly settings: OllamaSettings) {}

  async detect(): Promise<WorkerTool | null> {
    try {
      const version = stringField(await this.requestJson("/api/version"), "version") ?? null;
      return { name: this.id, version, models: await this.listModels(), healthy: true };
    } catch {
      return null;
    }
  }

  async health(): Promise<ToolHealth> {
    try {
      await this.requestJson("/api/version");
      return { healthy: true };
    } catch (error) {
      return { healthy: false, detail: `Ollama at ${this.settings.host} is unreachable: ${(error as Error).message}` };
    }
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    let output = "";
    try {
      const model = task.model || this.settings.defaultModel || (await this.pickModel());
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
      if (final.done_reason === "length") context.onOutput(`\n${cutOffNote}\n`, "stderr");

      return buildResult({
        output,
        inputTokens: numberField(final, "prompt_eval_count"),
        outputTokens: numberField(final, "eval_count"),
        costUsd: 0,
        detail: {
          model: stringField(final, "model") ?? model,
          done_reason: final.done_reason,
          total_duration_ns: final.total_duration,
          ...(final.done_reason === "length" ? { note: cutOffNote } : {}),
        },
      });
    } catch (error) {
      if (context.signal.aborted) throw new ToolAbortedError(abortReasonOf(context.signal), this.id, output);
      if (error instanceof ToolRunError) throw error;
      throw new ToolRunError(`Ollama request failed: ${(error as Error).message}`, this.id, output);
    }
  }

  private async listModels(): Promise<string[]> {
    return (await this.listTags()).map(nameOf).filter(Boolean);
  }

  private async listTags(): Promise<Json[]> {
    const tags = await this.requestJson("/api/tags");
    return Array.isArray(tags.models) ? (tags.models as Json[]) : [];
  }

  /**
   * The first installed model that can chat. /api/tags lists embedding models too (nomic-embed-text…),
   * which answer a chat with 400 "does not support chat". /api/show names a model's capabilities; an
   * Ollama too old to say is judged by name and family instead.
   */
  private async pickModel(): Promise<string> {
    for (const tag of await this.listTags()) {
      const name = nameOf(tag);
      if (!name) continue;
      const shown = await this.requestJson("/api/show", { model: name }).catch(() => null);
      const capabilities = shown?.capabilities;
      const canChat = Array.isArray(capabilities) ? capabilities.includes("completion") : !looksLikeEmbedding(tag);
      if (canChat) return name;
    }
    throw new ToolRunError(
      "No model given and no chat model is installed in Ollama; name one in the task or set GARAGESWARM_OLLAMA_MODEL",
      this.id,
    );
  }

  /** GET, or POST when there is a body; the API's answer as JSON. */
  private async requestJson(path: string, body?: Json): Promise<Json> {
    const response = await fetch(this.url(path), {
      signal: AbortSignal.timeout(probeTimeoutMs),
      ...(body ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
    });
    if (!response.ok) throw new Error(`${body ? "POST" : "GET"} ${path} answered ${response.status}`);
    return (await response.json()) as Json;
  }

  private url(path: string): string {
    return ollamaUrl(this.settings.host, path);
  }
}

const cutOffNote = "The answer was cut off at the output limit (num_predict or the context length).";

function nameOf(tag: Json): string {
  return stringField(tag, "name") ?? stringField(tag, "model") ?? "";
}

/** Embedding models by their name (…-embed-…, all-minilm) or family (BERT and its kin). */
function looksLikeEmbedding(tag: Json): boolean {
  const details = (tag.details ?? {}) as Json;
  const families = [details.family, ...(Array.isArray(details.families) ? details.families : [])];
  return /embed|minilm/i.test(nameOf(tag)) || families.some((family) => /bert/i.test(String(family ?? "")));
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
