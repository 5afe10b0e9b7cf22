// A fake OpenAI-compatible server: GET /v1/models, POST /v1/chat/completions streaming SSE
// (chat.completion.chunk deltas, a finish chunk, a usage chunk when stream_options.include_usage, [DONE]).
// Like OpenAI, it refuses max_tokens for reasoning models (gpt-5*, o1/o3/o4*) with the real 400 body, and
// cuts an answer at max_tokens or max_completion_tokens (one streamed piece is one token).
import { type FakeServer, lastUserText, pieces, sendJson, sendSse, startFakeServer, startSse } from "./http.ts";

export interface FakeOpenAiOptions {
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  reply?: string;
  /** Prompt tokens served from the prompt cache (usage.prompt_tokens_details.cached_tokens). */
  cachedTokens?: number;
  /** More models that refuse max_tokens, as an Azure deployment of a reasoning model named "my-reasoner". */
  refuseMaxTokens?: string[];
}

const reasoningModel = /^(?:gpt-5|o\d)(?:$|[-.])/;

export function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeServer> {
  const models = options.models ?? ["fake-gpt-4o-mini", "fake-llama-3.1-8b"];
  const error = (status: number, message: string, type: string, code: string | null) => ({
    status,
    body: { error: { message, type, param: null, code } },
  });
  return startFakeServer(async (request, response, server) => {
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      const e = error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
      return sendJson(response, e.status, e.body);
    }
    if (request.method === "GET" && request.path === "/v1/models") {
      return sendJson(response, 200, {
        object: "list",
        data: models.map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "garageswarm-fake" })),
      });
    }
    if (request.method === "POST" && request.path === "/v1/chat/completions") {
      const body = request.body as {
        model?: string;
        stream?: boolean;
        stream_options?: { include_usage?: boolean };
        max_tokens?: number;
        max_completion_tokens?: number;
      };
      const model = body.model ?? "";
      if (!models.includes(model)) {
        const e = error(404, `The model \`${model}\` does not exist.`, "invalid_request_error", "model_not_found");
        return sendJson(response, e.status, e.body);
      }
      if (server.mode === "fail") {
        const e = error(400, "This model's maximum context length is 8192 tokens.", "invalid_request_error", null);
        return sendJson(response, e.status, e.body);
      }
      if (body.max_tokens !== undefined && (reasoningModel.test(model) || options.refuseMaxTokens?.includes(model))) {
        const e = error(
          400,
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
          "invalid_request_error",
          "unsupported_parameter",
        );
        return sendJson(response, e.status, { error: { ...e.body.error, param: "max_tokens" } });
      }
      const reply = options.reply ?? `Fake openai answer to: ${lastUserText(body)}`;
      const all = pieces(reply);
      const parts = all.slice(0, body.max_completion_tokens ?? body.max_tokens ?? all.length);
      const finishReason = parts.length < all.length ? "length" : "stop";
      const cached = options.cachedTokens ?? 0;
      const promptTokens = 19 + cached;
      const base = { id: "chatcmpl-fake123", object: "chat.completion.chunk", created: 1_700_000_000, model };
      const chunk = (delta: object, finish_reason: string | null) => ({
        ...base,
        system_fingerprint: "fp_fake",
        choices: [{ index: 0, delta, logprobs: null, finish_reason }],
        ...(body.stream_options?.include_usage ? { usage: null } : {}),
      });
      if (!body.stream) {
        return sendJson(response, 200, {
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: parts.join("") }, finish_reason: finishReason }],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: parts.length,
            total_tokens: promptTokens + parts.length,
          },
        });
      }
      startSse(response);
      sendSse(response, chunk({ role: "assistant", content: "", refusal: null }, null));
      for (const [index, content] of parts.entries()) {
        sendSse(response, chunk({ content }, null));
        if (index === 0 && server.mode === "hang") return;
      }
      sendSse(response, chunk({}, finishReason));
      if (body.stream_options?.include_usage) {
        sendSse(response, {
          ...base,
          system_fingerprint: "fp_fake",
          choices: [],
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: parts.length,
            total_tokens: promptTokens + parts.length,
            prompt_tokens_details: { cached_tokens: cached, audio_tokens: 0 },
            completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
          },
        });
      }
      sendSse(response, "[DONE]");
      return response.end();
    }
    const e = error(
      404,
      `Unknown request URL: ${request.method} ${request.path}`,
      "invalid_request_error",
      "unknown_url",
    );
    sendJson(response, e.status, e.body);
  });
}
