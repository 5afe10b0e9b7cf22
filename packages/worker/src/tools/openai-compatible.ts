// Any OpenAI-compatible endpoint (OpenAI, vLLM, LM Studio, llama.cpp server): GET /models to detect,
// chat.completions streaming with stream_options.include_usage so the last chunk carries usage.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import OpenAI from "openai";
import { ToolRunError } from "./errors.ts";
import { detectByListing, runStreamedCall } from "./streamed-api.ts";
import {
  healthOf,
  integerOption,
  type RunContext,
  stringOption,
  type Tool,
  type ToolHealth,
  type ToolTask,
} from "./tool.ts";

export interface OpenAiCompatibleSettings {
  /** Local servers often need none. */
  apiKey?: string;
  baseUrl?: string;
  defaultModel?: string;
  /** The run happens in a browser (the phone worker), with a key its owner typed into that device. */
  inBrowser?: boolean;
}

const openAiUrl = "https://api.openai.com/v1";

/**
 * OpenAI's reasoning models (gpt-5*, o1/o3/o4*) answer 400 "Unsupported parameter: 'max_tokens'" and take
 * max_completion_tokens instead; other servers (vLLM, llama.cpp…) may know only max_tokens.
 */
export function takesMaxCompletionTokens(model: string): boolean {
  return /^(?:openai\/)?(?:gpt-5|o\d)(?:$|[-.:_])/i.test(model);
}

/** Models listed by /models that cannot chat: embeddings, speech, images, moderation, search. */
const notChat = /embed|whisper|tts|dall-e|davinci|babbage|moderation|transcri|realtime|audio|image|sora|search|rerank/i;

export class OpenAiCompatibleTool implements Tool {
  readonly id = "openai_compatible" as const;
  private readonly client: OpenAI;
  private readonly baseUrl: string;

  constructor(private readonly settings: OpenAiCompatibleSettings) {
    this.baseUrl = settings.baseUrl ?? openAiUrl;
    // The SDK refuses an empty key; local servers ignore whatever is sent.
    this.client = new OpenAI({
      apiKey: settings.apiKey || "not-needed",
      baseURL: this.baseUrl,
      maxRetries: 2,
      dangerouslyAllowBrowser: settings.inBrowser ?? false,
    });
  }

  detect(): Promise<WorkerTool> {
    return detectByListing(
      this.id,
      () => this.listModels(),
      (models) => (this.settings.defaultModel ? undefined : defaultModelOf(models).problem),
    );
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    return runStreamedCall(this.id, "OpenAI-compatible API", context, { apiUrl: this.baseUrl }, async (emit) => {
      let finishReason: string | null = null;
      const tokens = { input: 0, cacheRead: 0, output: 0 };
      const model = task.model || this.settings.defaultModel || (await this.pickModel());
      const system = stringOption(task.options, "system");
      const maxTokens = integerOption(task.options, "max_tokens");
      const request = (limit: "max_tokens" | "max_completion_tokens") =>
        this.client.chat.completions.create(
          {
            model,
            messages: [
              ...(system ? [{ role: "system" as const, content: system }] : []),
              { role: "user", content: task.prompt },
            ],
            stream: true,
            stream_options: { include_usage: true },
            ...(maxTokens ? { [limit]: maxTokens } : {}),
          },
          { signal: context.signal },
        );
      const stream = await request(takesMaxCompletionTokens(model) ? "max_completion_tokens" : "max_tokens").catch(
        (error: unknown) => {
          // A reasoning model under a name we do not recognise (an Azure deployment…): ask again the new way.
          if (
            error instanceof OpenAI.APIError &&
            error.code === "unsupported_parameter" &&
            error.param === "max_tokens"
          ) {
            return request("max_completion_tokens");
          }
          throw error;
        },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        emit(choice?.delta?.content);
        finishReason = choice?.finish_reason ?? finishReason;
        if (chunk.usage) {
          // cached_tokens are part of prompt_tokens; reasoning tokens are part of completion_tokens.
          tokens.cacheRead = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
          tokens.input = chunk.usage.prompt_tokens - tokens.cacheRead;
          tokens.output = chunk.usage.completion_tokens;
        }
      }
      return {
        model,
        tokens,
        detail: { finish_reason: finishReason },
        ...(finishReason === "length"
          ? { note: "The answer was cut off at the token limit; set the task option max_tokens higher." }
          : {}),
      };
    });
  }

  /** The model a task without one runs on, when the worker's owner named none. */
  private async pickModel(): Promise<string> {
    const { model, problem } = defaultModelOf(await this.listModels());
    if (!model) throw new ToolRunError(`OpenAI-compatible API: ${problem}`, this.id);
    return model;
  }

  private async listModels(): Promise<string[]> {
    const models: string[] = [];
    for await (const model of this.client.models.list()) {
      models.push(model.id);
      if (models.length >= 500) break;
    }
    return models;
  }
}

/**
 * A local server lists the model it serves: that one is the default. A listing with several chat models
 * (api.openai.com lists dozens, from gpt-4o-mini to o3-pro) has no sensible default: the owner picks.
 */
function defaultModelOf(models: string[]): { model?: string; problem?: string } {
  const chat = models.filter((model) => !notChat.test(model));
  if (chat.length === 1) return { model: chat[0] };
  const ask = "name a model in the task, or set the worker's default with GARAGESWARM_OPENAI_MODEL";
  if (chat.length === 0) return { problem: `the endpoint lists no chat model; ${ask}` };
  const some = chat.slice(0, 5).join(", ");
  return { problem: `the endpoint lists ${chat.length} chat models (${some}${chat.length > 5 ? ", …" : ""}); ${ask}` };
}
