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
}

export class OpenAiCompatibleTool implements Tool {
  readonly id = "openai_compatible" as const;
  private readonly client: OpenAI;

  constructor(private readonly settings: OpenAiCompatibleSettings) {
    // The SDK refuses an empty key; local servers ignore whatever is sent.
    this.client = new OpenAI({
      apiKey: settings.apiKey || "not-needed",
      baseURL: settings.baseUrl ?? "https://api.openai.com/v1",
      maxRetries: 2,
    });
  }

  detect(): Promise<WorkerTool> {
    return detectByListing(this.id, () => this.listModels());
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    return runStreamedCall(this.id, "OpenAI-compatible API", context, async (emit) => {
      let inputTokens = 0;
      let outputTokens = 0;
      let finishReason: string | null = null;
      const model = task.model || this.settings.defaultModel || (await this.listModels())[0];
      if (!model) throw new ToolRunError("No model given and the endpoint lists none", this.id);
      const system = stringOption(task.options, "system");
      const maxTokens = integerOption(task.options, "max_tokens");
      const stream = await this.client.chat.completions.create(
        {
          model,
          messages: [
            ...(system ? [{ role: "system" as const, content: system }] : []),
            { role: "user", content: task.prompt },
          ],
          stream: true,
          stream_options: { include_usage: true },
          ...(maxTokens ? { max_tokens: maxTokens } : {}),
        },
        { signal: context.signal },
      );
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        emit(choice?.delta?.content);
        finishReason = choice?.finish_reason ?? finishReason;
        if (chunk.usage) {
          inputTokens = chunk.usage.prompt_tokens;
          outputTokens = chunk.usage.completion_tokens;
        }
      }
      return { model, inputTokens, outputTokens, detail: { finish_reason: finishReason } };
    });
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
