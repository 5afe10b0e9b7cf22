// The Gemini API through @google/genai: generateContentStream (SSE under the hood), text from each chunk,
// tokens from usageMetadata. Cost from the price table.

import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { GoogleGenAI } from "@google/genai";
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

export interface GeminiApiSettings {
  apiKey: string;
  /** Overrides https://generativelanguage.googleapis.com (a proxy, or a local fake in tests). */
  baseUrl?: string;
  defaultModel: string;
}

export class GeminiApiTool implements Tool {
  readonly id = "gemini_api" as const;
  private readonly client: GoogleGenAI;

  constructor(private readonly settings: GeminiApiSettings) {
    this.client = new GoogleGenAI({
      apiKey: settings.apiKey,
      ...(settings.baseUrl ? { httpOptions: { baseUrl: settings.baseUrl } } : {}),
    });
  }

  detect(): Promise<WorkerTool> {
    return detectByListing(this.id, async () => {
      const models: string[] = [];
      const pager = await this.client.models.list({ config: { pageSize: 100 } });
      for await (const model of pager) {
        if (model.name && (model.supportedActions ?? ["generateContent"]).includes("generateContent")) {
          models.push(model.name.replace(/^models\//, ""));
        }
        if (models.length >= 500) break;
      }
      return models;
    });
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const model = task.model || this.settings.defaultModel;
    return runStreamedCall(this.id, "Gemini API", context, async (emit) => {
      let inputTokens = 0;
      let outputTokens = 0;
      let modelVersion: string | undefined;
      const system = stringOption(task.options, "system");
      const maxOutputTokens = integerOption(task.options, "max_tokens");
      const stream = await this.client.models.generateContentStream({
        model,
        contents: task.prompt,
        config: {
          abortSignal: context.signal,
          ...(system ? { systemInstruction: system } : {}),
          ...(maxOutputTokens ? { maxOutputTokens } : {}),
        },
      });
      for await (const chunk of stream) {
        emit(chunk.text);
        modelVersion = chunk.modelVersion ?? modelVersion;
        // usageMetadata is cumulative; the last chunk holds the totals. Thinking is billed as output.
        if (chunk.usageMetadata) {
          inputTokens = chunk.usageMetadata.promptTokenCount ?? inputTokens;
          outputTokens =
            (chunk.usageMetadata.candidatesTokenCount ?? 0) + (chunk.usageMetadata.thoughtsTokenCount ?? 0);
        }
      }
      return { model, inputTokens, outputTokens, detail: { model_version: modelVersion } };
    });
  }
}
