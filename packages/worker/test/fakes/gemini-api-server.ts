// A fake Gemini API (generativelanguage): GET /v1beta/models and
// POST /v1beta/models/{model}:streamGenerateContent?alt=sse streaming GenerateContentResponse chunks.
// It can script the answers that are not answers: a blocked prompt, a candidate stopped by a filter,
// and an answer cut at generationConfig.maxOutputTokens (one streamed piece is one token).
import { type FakeServer, pieces, sendJson, sendSse, startFakeServer, startSse } from "./http.ts";

export interface FakeGeminiApiOptions {
  /** When set, requests must carry `x-goog-api-key: <apiKey>`. */
  apiKey?: string;
  models?: string[];
  reply?: string;
  /** Prompt tokens served from the context cache (usageMetadata.cachedContentTokenCount, part of promptTokenCount). */
  cachedTokens?: number;
  /** Blocks every prompt with this promptFeedback.blockReason (SAFETY, PROHIBITED_CONTENT, OTHER…). */
  blockPrompt?: string;
  /** Stops every answer with this finishReason (SAFETY, RECITATION…) after `afterPieces` pieces of text. */
  stopWith?: { finishReason: string; afterPieces: number };
}

const blockedRatings = [
  { category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH", blocked: true },
  { category: "HARM_CATEGORY_HARASSMENT", probability: "NEGLIGIBLE" },
];

export function startFakeGeminiApi(options: FakeGeminiApiOptions = {}): Promise<FakeServer> {
  const models = options.models ?? ["gemini-2.5-flash", "gemini-2.5-pro"];
  const error = (code: number, message: string, status: string) => ({ error: { code, message, status } });
  return startFakeServer(async (request, response, server) => {
    if (options.apiKey && request.headers["x-goog-api-key"] !== options.apiKey) {
      return sendJson(response, 400, error(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT"));
    }
    const path = request.path.split("?")[0] ?? "";
    if (request.method === "GET" && path === "/v1beta/models") {
      return sendJson(response, 200, {
        models: models.map((name) => ({
          name: `models/${name}`,
          version: "001",
          displayName: name,
          inputTokenLimit: 1048576,
          outputTokenLimit: 65536,
          supportedGenerationMethods: ["generateContent", "countTokens", "createCachedContent"],
        })),
      });
    }
    const stream = /^\/v1beta\/models\/([^:]+):streamGenerateContent$/.exec(path);
    if (request.method === "POST" && stream) {
      const model = decodeURIComponent(stream[1]!);
      if (!models.includes(model)) {
        return sendJson(response, 404, error(404, `models/${model} is not found for API version v1beta`, "NOT_FOUND"));
      }
      if (server.mode === "fail") {
        return sendJson(response, 400, error(400, "Request contains an invalid argument.", "INVALID_ARGUMENT"));
      }
      const body = request.body as {
        contents?: Array<{ parts?: Array<{ text?: string }> }>;
        generationConfig?: { maxOutputTokens?: number };
      };
      const prompt =
        body.contents
          ?.at(-1)
          ?.parts?.map((part) => part.text ?? "")
          .join("") ?? "";
      const cached = options.cachedTokens ?? 0;
      const promptUsage = {
        promptTokenCount: 9 + cached,
        totalTokenCount: 9 + cached,
        ...(cached ? { cachedContentTokenCount: cached } : {}),
      };
      const meta = { modelVersion: model, responseId: "fake-response-id" };
      startSse(response);
      if (options.blockPrompt) {
        // A blocked prompt: status 200, one chunk with promptFeedback and no candidates.
        sendSse(response, {
          promptFeedback: { blockReason: options.blockPrompt, safetyRatings: blockedRatings },
          usageMetadata: promptUsage,
          ...meta,
        });
        return response.end();
      }
      const all = pieces(options.reply ?? `Fake gemini api answer to: ${prompt}`);
      // One piece is one output token, so maxOutputTokens cuts the answer as the real API does.
      const limit = body.generationConfig?.maxOutputTokens ?? all.length;
      const parts = all.slice(0, Math.min(limit, options.stopWith?.afterPieces ?? all.length));
      const finishReason = options.stopWith?.finishReason ?? (parts.length < all.length ? "MAX_TOKENS" : "STOP");
      const finalUsage = {
        ...promptUsage,
        candidatesTokenCount: parts.length,
        totalTokenCount: promptUsage.totalTokenCount + parts.length + 30,
        thoughtsTokenCount: 30,
      };
      for (const [index, text] of parts.entries()) {
        const last = index === parts.length - 1;
        const ends = last && !options.stopWith;
        sendSse(response, {
          candidates: [{ content: { parts: [{ text }], role: "model" }, ...(ends ? { finishReason } : {}), index: 0 }],
          usageMetadata: ends ? finalUsage : promptUsage,
          ...meta,
        });
        if (index === 0 && server.mode === "hang") return;
      }
      if (options.stopWith) {
        // A filter stops the candidate: a last chunk with the finish reason and no content.
        sendSse(response, {
          candidates: [{ finishReason, index: 0, safetyRatings: blockedRatings }],
          usageMetadata: finalUsage,
          ...meta,
        });
      }
      return response.end();
    }
    sendJson(response, 404, error(404, `Not found: ${request.method} ${path}`, "NOT_FOUND"));
  });
}
