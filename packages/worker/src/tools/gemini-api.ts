// The Gemini API through @google/genai: generateContentStream (SSE under the hood), text from each chunk,
// tokens from usageMetadata. Cost from the price table.

import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { GoogleGenAI } from "@google/genai";
import { abortReasonOf, describe, statusOf, ToolAbortedError, ToolRunError } from "./errors.ts";
import { costOf } from "./pricing.ts";
import { buildResult } from "./result.ts";
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

  async detect(): Promise<WorkerTool> {
    try {
      const models: string[] = [];
      const pager = await this.client.models.list({ config: { pageSize: 100 } });
      for await (const model of pager) {
        if (model.name && (model.supportedActions ?? ["generateContent"]).includes("generateContent")) {
          models.push(model.name.replace(/^models\//, ""));
        }
        if (models.length >= 500) break;
      }
      return { name: this.id, version: null, models, healthy: true };
    } catch (error) {
      return { name: this.id, version: null, models: [], healthy: false, detail: describe(error) };
    }
  }

  async health(): Promise<ToolHealth> {
    return healthOf(await this.detect());
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    const model = task.model || this.settings.defaultModel;
    let output = "";
    let inputTokens = 0;
    let outputTokens = 0;
    let modelVersion: string | undefined;
    try {
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
        const text = chunk.text;
        if (text) {
          output += text;
          context.onOutput(text, "stdout");
        }
        modelVersion = chunk.modelVersion ?? modelVersion;
        // usageMetadata is cumulative; the last chunk holds the totals. Thinking is billed as output.
        if (chunk.usageMetadata) {
          inputTokens = chunk.usageMetadata.promptTokenCount ?? inputTokens;
          outputTokens =
            (chunk.usageMetadata.candidatesTokenCount ?? 0) + (chunk.usageMetadata.thoughtsTokenCount ?? 0);
        }
      }
      // Some SDK streams end quietly when aborted instead of throwing.
      context.signal.throwIfAborted();
    } catch (error) {
      if (context.signal.aborted) throw new ToolAbortedError(abortReasonOf(context.signal), this.id, output);
      throw new ToolRunError(`Gemini API failed: ${describe(error)}`, this.id, output, null, statusOf(error));
    }
    const cost = costOf(model, inputTokens, outputTokens);
    return buildResult({
      output,
      inputTokens,
      outputTokens,
      costUsd: cost.costUsd,
      detail: { model, model_version: modelVersion, ...(cost.note ? { cost_note: cost.note } : {}) },
    });
  }
}
