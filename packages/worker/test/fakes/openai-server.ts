// A fake OpenAI-compatible server: GET /v1/models, POST /v1/chat/completions streaming SSE
// (chat.completion.chunk deltas, a finish chunk, a usage chunk when stream_options.include_usage, [DONE]).
import { type FakeServer, lastUserText, pieces, sendJson, sendSse, startFakeServer, startSse } from "./http.ts";

export interface FakeOpenAiOptions {
  models?: string[];
  /** When set, requests must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  reply?: string;
}

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
      const body = request.body as { model?: string; stream?: boolean; stream_options?: { include_usage?: boolean } };
      const model = body.model ?? "";
      if (!models.includes(model)) {
        const e = error(404, `The model \`${model}\` does not exist.`, "invalid_request_error", "model_not_found");
        return sendJson(response, e.status, e.body);
      }
      if (server.mode === "fail") {
        const e = error(400, "This model's maximum context length is 8192 tokens.", "invalid_request_error", null);
        return sendJson(response, e.status, e.body);
      }
      const reply = options.reply ?? `Fake openai answer to: ${lastUserText(body)}`;
      const parts = pieces(reply);
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
          choices: [{ index: 0, message: { role: "assistant", content: reply }, finish_reason: "stop" }],
          usage: { prompt_tokens: 19, completion_tokens: parts.length, total_tokens: 19 + parts.length },
        });
      }
      startSse(response);
      sendSse(response, chunk({ role: "assistant", content: "", refusal: null }, null));
      for (const [index, content] of parts.entries()) {
        sendSse(response, chunk({ content }, null));
        if (index === 0 && server.mode === "hang") return;
      }
      sendSse(response, chunk({}, "stop"));
      if (body.stream_options?.include_usage) {
        sendSse(response, {
          ...base,
          system_fingerprint: "fp_fake",
          choices: [],
          usage: {
            prompt_tokens: 19,
            completion_tokens: parts.length,
            total_tokens: 19 + parts.length,
            prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
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
