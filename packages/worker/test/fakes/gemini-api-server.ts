// A fake Gemini API (generativelanguage): GET /v1beta/models and
// POST /v1beta/models/{model}:streamGenerateContent?alt=sse streaming GenerateContentResponse chunks.
import { type FakeServer, pieces, sendJson, sendSse, startFakeServer, startSse } from "./http.ts";

export interface FakeGeminiApiOptions {
  /** When set, requests must carry `x-goog-api-key: <apiKey>`. */
  apiKey?: string;
  models?: string[];
  reply?: string;
}

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
      const body = request.body as { contents?: Array<{ parts?: Array<{ text?: string }> }> };
      const prompt =
        body.contents
          ?.at(-1)
          ?.parts?.map((part) => part.text ?? "")
          .join("") ?? "";
      const parts = pieces(options.reply ?? `Fake gemini api answer to: ${prompt}`);
      startSse(response);
      for (const [index, text] of parts.entries()) {
        const last = index === parts.length - 1;
        sendSse(response, {
          candidates: [
            { content: { parts: [{ text }], role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 },
          ],
          usageMetadata: last
            ? {
                promptTokenCount: 9,
                candidatesTokenCount: parts.length,
                totalTokenCount: 9 + parts.length + 30,
                thoughtsTokenCount: 30,
              }
            : { promptTokenCount: 9, totalTokenCount: 9 },
          modelVersion: model,
          responseId: "fake-response-id",
        });
        if (index === 0 && server.mode === "hang") return;
      }
      return response.end();
    }
    sendJson(response, 404, error(404, `Not found: ${request.method} ${path}`, "NOT_FOUND"));
  });
}
