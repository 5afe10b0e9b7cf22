// A fake of the Gemini API as Gemini CLI calls it: the model router's classification
// (POST /v1beta/models/<router>:generateContent, answered with a fixed low complexity score so it never uses
// the script) and the model calls (POST /v1beta/models/<model>:streamGenerateContent?alt=sse). Each model
// call takes the next scripted reply: text, a function call, an API error (`geminiErrors` has the real bodies), or
// no answer at all.
import type { ServerResponse } from "node:http";
import { sendJson, sendSse, startSse, startVendorFake, type VendorFake } from "./server.ts";

export type GeminiReply =
  | { kind: "text"; text: string; usage?: { prompt: number; candidates: number; cached?: number; thoughts?: number } }
  | { kind: "function_call"; name: string; args: Record<string, unknown> }
  | { kind: "error"; status: number; message: string; reason?: string; details?: unknown[] }
  /** Never answers (the request stays open until the fake closes): for cancelling a run mid-call. */
  | { kind: "hang" };

const quotaMetric = "generativelanguage.googleapis.com/generate_content_free_tier_requests";

/**
 * The Gemini API's error bodies as it sends them (google.rpc.Status with typed details), for the errors
 * Gemini CLI tells apart (core/src/utils/googleQuotaErrors.ts): a bad key is a 400 with reason
 * API_KEY_INVALID; a per-minute 429 carries QuotaFailure (quotaId …PerMinute…) and RetryInfo, which the
 * CLI retries; a per-day quotaId makes it a TerminalQuotaError, never retried.
 */
export const geminiErrors = {
  invalidKey: (): GeminiReply => ({
    kind: "error",
    status: 400,
    message: "API key not valid. Please pass a valid API key.",
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      },
    ],
  }),
  unauthenticated: (): GeminiReply => ({
    kind: "error",
    status: 401,
    message:
      "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "ACCESS_TOKEN_TYPE_UNSUPPORTED",
        domain: "googleapis.com",
      },
    ],
  }),
  badRequest: (message: string): GeminiReply => ({ kind: "error", status: 400, message }),
  rateLimited: (model: string, retrySeconds: number): GeminiReply => ({
    kind: "error",
    status: 429,
    message:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n" +
      `* Quota exceeded for metric: ${quotaMetric}, limit: 10, model: ${model}\nPlease retry in ${retrySeconds}s.`,
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [
          {
            quotaMetric,
            quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
            quotaDimensions: { location: "global", model },
            quotaValue: "10",
          },
        ],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${Math.floor(retrySeconds)}s` },
    ],
  }),
  dailyQuota: (model: string, retrySeconds: number): GeminiReply => ({
    kind: "error",
    status: 429,
    message:
      "You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\n" +
      `* Quota exceeded for metric: ${quotaMetric}, limit: 250, model: ${model}\nPlease retry in ${retrySeconds}s.`,
    details: [
      {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        violations: [
          {
            quotaMetric,
            quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
            quotaDimensions: { location: "global", model },
            quotaValue: "250",
          },
        ],
      },
      { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${Math.floor(retrySeconds)}s` },
    ],
  }),
};

export type FakeGemini = VendorFake<GeminiReply>;

export function startFakeGemini(dir: string): Promise<FakeGemini> {
  return startVendorFake<GeminiReply>(
    dir,
    "gemini",
    { kind: "text", text: "Hello from the fake Gemini API" },
    (request, response, nextReply) => {
      const match = /^\/v1beta\/models\/([^:/?]+):(generateContent|streamGenerateContent|countTokens)/.exec(
        request.url,
      );
      if (request.method === "POST" && match?.[2] === "generateContent") {
        // The router asks which model should answer; a low score routes to the flash model.
        return sendJson(response, 200, {
          candidates: [
            {
              content: {
                role: "model",
                parts: [{ text: JSON.stringify({ complexity_reasoning: "Simple.", complexity_score: 10 }) }],
              },
              finishReason: "STOP",
              index: 0,
            },
          ],
          usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 2, totalTokenCount: 5 },
        });
      }
      if (request.method === "POST" && match?.[2] === "countTokens")
        return sendJson(response, 200, { totalTokens: 100 });
      if (request.method === "POST" && match?.[2] === "streamGenerateContent") {
        return answer(response, match[1] ?? "gemini", nextReply());
      }
      sendJson(response, 404, { error: { code: 404, message: `no ${request.url}`, status: "NOT_FOUND" } });
    },
  );
}

const statusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

function answer(response: ServerResponse, model: string, reply: GeminiReply): void {
  if (reply.kind === "hang") return;
  if (reply.kind === "error") {
    sendJson(response, reply.status, {
      error: {
        code: reply.status,
        message: reply.message,
        status: statusNames[reply.status] ?? "UNKNOWN",
        ...(reply.details ? { details: reply.details } : {}),
      },
    });
    return;
  }
  const part = reply.kind === "text" ? { text: reply.text } : { functionCall: { name: reply.name, args: reply.args } };
  const usage = reply.kind === "text" && reply.usage ? reply.usage : { prompt: 12, candidates: 5 };
  startSse(response);
  sendSse(response, {
    candidates: [{ content: { role: "model", parts: [part] }, finishReason: "STOP", index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.prompt,
      candidatesTokenCount: usage.candidates,
      cachedContentTokenCount: usage.cached ?? 0,
      thoughtsTokenCount: usage.thoughts ?? 0,
      totalTokenCount: usage.prompt + usage.candidates + (usage.thoughts ?? 0),
    },
    modelVersion: model,
  });
  response.end();
}
