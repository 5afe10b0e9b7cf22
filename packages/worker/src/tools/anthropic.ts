// The Anthropic Messages API, streamed: message_start (input tokens), content_block_delta text deltas,
// message_delta (output tokens, stop reason), message_stop. Cost from the price table.
import Anthropic from "@anthropic-ai/sdk";
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
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

export interface AnthropicSettings {
  apiKey: string;
  /** Overrides https://api.anthropic.com (a proxy, or a local fake in tests). */
  baseUrl?: string;
  defaultModel: string;
}

export class AnthropicTool implements Tool {
  readonly id = "anthropic" as const;
  private readonly client: Anthropic;

  constructor(private readonly settings: AnthropicSettings) {
    this.client = new Anthropic({ apiKey: settings.apiKey, baseURL: settings.baseUrl ?? null, maxRetries: 2 });
  }

  detect(): Promise<WorkerTool> {
    return detectByListing(this.id, async () => {
      const models: string[] = [];
      for await (const model of this.client.models.list({ limit: 100 })) models.push(model.id);
      return models;
    });
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const model = task.model || this.settings.defaultModel;
    return runStreamedCall(this.id, "Anthropic API", context, async (emit) => {
      let inputTokens = 0;
      let outputTokens = 0;
      let stopReason: string | null = null;
      let messageId: string | undefined;
      const system = stringOption(task.options, "system");
      const stream = await this.client.messages.create(
        {
          model,
          max_tokens: integerOption(task.options, "max_tokens") ?? 4096,
          messages: [{ role: "user", content: task.prompt }],
          ...(system ? { system } : {}),
          stream: true,
        },
        { signal: context.signal },
      );
      for await (const event of stream) {
        if (event.type === "message_start") {
          messageId = event.message.id;
          inputTokens =
            event.message.usage.input_tokens +
            (event.message.usage.cache_creation_input_tokens ?? 0) +
            (event.message.usage.cache_read_input_tokens ?? 0);
          outputTokens = event.message.usage.output_tokens;
        } else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          emit(event.delta.text);
        } else if (event.type === "message_delta") {
          // message_delta usage is cumulative for the message.
          outputTokens = event.usage.output_tokens;
          stopReason = event.delta.stop_reason ?? stopReason;
        }
      }
      return { model, inputTokens, outputTokens, detail: { message_id: messageId, stop_reason: stopReason } };
    });
  }
}
