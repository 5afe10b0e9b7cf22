// The Gemini API through @google/genai: generateContentStream (SSE under the hood), text from each chunk,
// tokens from usageMetadata. Cost from the price table. A blocked or empty answer is a failure naming
// its reason, never an empty success.

import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { GoogleGenAI } from "@google/genai";
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
    return runStreamedCall(this.id, "Gemini API", context, { provider: "google" }, async (emit) => {
      const tokens = { input: 0, cacheRead: 0, output: 0 };
      let output = "";
      let modelVersion: string | undefined;
      let finishReason: string | undefined;
      let finishMessage: string | undefined;
      let blockReason: string | undefined;
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
        if (text) output += text;
        emit(text);
        modelVersion = chunk.modelVersion ?? modelVersion;
        const candidate = chunk.candidates?.[0];
        finishReason = candidate?.finishReason ?? finishReason;
        finishMessage = candidate?.finishMessage ?? finishMessage;
        blockReason = chunk.promptFeedback?.blockReason ?? blockReason;
        // usageMetadata is cumulative; the last chunk holds the totals. Cached tokens are part of the
        // prompt's; thinking is billed as output.
        if (chunk.usageMetadata) {
          const usage = chunk.usageMetadata;
          tokens.cacheRead = usage.cachedContentTokenCount ?? 0;
          tokens.input = (usage.promptTokenCount ?? 0) - tokens.cacheRead;
          tokens.output = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
        }
      }
      const detail = { model_version: modelVersion, finish_reason: finishReason ?? null };
      const failure = unansweredReason(output, finishReason, blockReason, finishMessage);
      if (failure) throw new ToolRunError(`Gemini API ${failure}`, this.id, output, null, detail);
      return {
        model,
        tokens,
        detail,
        ...(finishReason === "MAX_TOKENS"
          ? { note: "The answer was cut off at the output token limit; set the task option max_tokens higher." }
          : {}),
      };
    });
  }
}

/**
 * Why a finished stream holds no usable answer, or undefined when it does. A blocked prompt has no
 * candidates; a candidate stopped by a filter (SAFETY, RECITATION, PROHIBITED_CONTENT, OTHER…) may have
 * streamed part of an answer first. STOP and MAX_TOKENS are ordinary ends, unless nothing was said.
 */
function unansweredReason(
  output: string,
  finishReason: string | undefined,
  blockReason: string | undefined,
  finishMessage: string | undefined,
): string | undefined {
  const because = finishMessage ? `: ${finishMessage}` : "";
  if (blockReason) return `blocked the prompt (${blockReason})${because}`;
  if (finishReason && finishReason !== "STOP" && finishReason !== "MAX_TOKENS") {
    return `stopped the answer (finish reason ${finishReason})${because}`;
  }
  if (output === "") return `returned no text (finish reason ${finishReason ?? "none"})${because}`;
  return undefined;
}
