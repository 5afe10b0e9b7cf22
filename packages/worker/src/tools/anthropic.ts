// The Anthropic Messages API, streamed: message_start (input and cache tokens), content_block_delta text
// deltas, message_delta (output tokens, stop reason), message_stop. Cost from the price table.
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
  /**
   * The run happens in a browser (the phone worker): the SDK then sends
   * `anthropic-dangerous-direct-browser-access: true`, without which the API refuses a page's call.
   */
  inBrowser?: boolean;
}

/**
 * max_tokens is required, and a reply that reaches it is cut off. Without options.max_tokens a task gets
 * the model's own output limit (from the Models API), up to this: long enough for any ordinary answer,
 * without reserving a 128k-token output window for every call.
 */
export const defaultMaxTokensCap = 32_000;

/** Output limits for when the Models API cannot say (a proxy without /v1/models): only older models are lower. */
function knownOutputLimit(model: string): number {
  if (model.startsWith("claude-3-5-")) return 8_192;
  if (model.startsWith("claude-3-")) return 4_096;
  return defaultMaxTokensCap;
}

export class AnthropicTool implements Tool {
  readonly id = "anthropic" as const;
  private readonly client: Anthropic;
  /** Each model's max_tokens ceiling, as the Models API reports it. */
  private readonly outputLimits = new Map<string, number>();

  constructor(private readonly settings: AnthropicSettings) {
    this.client = new Anthropic({
      apiKey: settings.apiKey,
      baseURL: settings.baseUrl ?? null,
      maxRetries: 2,
      dangerouslyAllowBrowser: settings.inBrowser ?? false,
    });
  }

  detect(): Promise<WorkerTool> {
    return detectByListing(this.id, async () => {
      const models: string[] = [];
      for await (const model of this.client.models.list({ limit: 100 })) {
        models.push(model.id);
        if (model.max_tokens) this.outputLimits.set(model.id, model.max_tokens);
      }
      return models;
    });
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const model = task.model || this.settings.defaultModel;
    return runStreamedCall(this.id, "Anthropic API", context, { provider: "anthropic" }, async (emit) => {
      const tokens = { input: 0, cacheRead: 0, cacheWrite: 0, output: 0 };
      let stopReason: string | null = null;
      let messageId: string | undefined;
      const system = stringOption(task.options, "system");
      const maxTokens = integerOption(task.options, "max_tokens") ?? (await this.defaultMaxTokens(model, context));
      const stream = await this.client.messages.create(
        {
          model,
          max_tokens: maxTokens,
          messages: [{ role: "user", content: task.prompt }],
          ...(system ? { system } : {}),
          stream: true,
        },
        { signal: context.signal },
      );
      for await (const event of stream) {
        if (event.type === "message_start") {
          messageId = event.message.id;
          const usage = event.message.usage;
          tokens.input = usage.input_tokens;
          tokens.cacheWrite = usage.cache_creation_input_tokens ?? 0;
          tokens.cacheRead = usage.cache_read_input_tokens ?? 0;
          tokens.output = usage.output_tokens;
        } else if (event.type === "content_block_delta" && event.delta.type === "text_delta") {
          emit(event.delta.text);
        } else if (event.type === "message_delta") {
          // message_delta usage is cumulative for the message; its input fields may be null.
          const usage = event.usage;
          tokens.input = usage.input_tokens ?? tokens.input;
          tokens.cacheWrite = usage.cache_creation_input_tokens ?? tokens.cacheWrite;
          tokens.cacheRead = usage.cache_read_input_tokens ?? tokens.cacheRead;
          tokens.output = usage.output_tokens;
          stopReason = event.delta.stop_reason ?? stopReason;
        }
      }
      return {
        model,
        tokens,
        detail: { message_id: messageId, stop_reason: stopReason, max_tokens: maxTokens },
        ...(stopReason === "max_tokens"
          ? { note: `The answer was cut off at max_tokens (${maxTokens}); set the task option max_tokens higher.` }
          : {}),
      };
    });
  }

  /** The model's output limit, capped; asked of the Models API once per model. */
  private async defaultMaxTokens(model: string, context: RunContext): Promise<number> {
    let limit = this.outputLimits.get(model);
    if (limit === undefined) {
      try {
        limit = (await this.client.models.retrieve(model, null, { signal: context.signal })).max_tokens ?? undefined;
        if (limit) this.outputLimits.set(model, limit);
      } catch {
        // An unknown model fails on the call itself, with the API's own message; a proxy may not list models.
      }
    }
    return Math.min(limit ?? knownOutputLimit(model), defaultMaxTokensCap);
  }
}
