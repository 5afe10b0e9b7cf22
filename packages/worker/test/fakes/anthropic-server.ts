// A fake Anthropic Messages API, callable from a page as the real one is (CORS, with the direct-browser-access
// header): GET /v1/models (with each model's max_tokens ceiling), GET /v1/models/{id},
// and POST /v1/messages streaming SSE (message_start, content_block_start, ping, content_block_delta,
// content_block_stop, message_delta, message_stop). One streamed piece counts as one output token, so a
// max_tokens below the reply's length cuts it off with stop_reason "max_tokens", as the real API does.
import { type FakeServer, lastUserText, pieces, sendJson, sendSse, startFakeServer, startSse } from "./http.ts";

export interface FakeAnthropicOptions {
  /** When set, requests must carry the key (`x-api-key: <apiKey>` or `Authorization: Bearer <apiKey>`). */
  apiKey?: string;
  models?: string[];
  reply?: string;
  /** Each model's max_tokens ceiling; 64000 for any model not named. */
  outputLimits?: Record<string, number>;
  /** Prompt-cache tokens every answer reports (cache_read_input_tokens, cache_creation_input_tokens). */
  cache?: { read: number; write: number };
}

export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeServer> {
  const models = options.models ?? ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"];
  const outputLimit = (model: string) => options.outputLimits?.[model] ?? 64_000;
  const modelInfo = (id: string) => ({
    type: "model",
    id,
    display_name: id,
    created_at: "2025-09-29T00:00:00Z",
    max_input_tokens: 200_000,
    max_tokens: outputLimit(id),
  });
  const error = (type: string, message: string) => ({ type: "error", error: { type, message } });
  return startFakeServer(async (request, response, server) => {
    // The SDK sends the key as `x-api-key` or, in recent versions, as a bearer token; the API takes both.
    const key = request.headers["x-api-key"] ?? request.headers.authorization?.replace(/^Bearer /, "");
    if (options.apiKey && key !== options.apiKey) {
      return sendJson(response, 401, error("authentication_error", "invalid x-api-key"));
    }
    // The real API refuses a page's call unless the page says it means to call it directly.
    if (request.headers.origin && request.headers["anthropic-dangerous-direct-browser-access"] !== "true") {
      const message =
        "CORS requests must set 'anthropic-dangerous-direct-browser-access' header to 'true' to be allowed.";
      return sendJson(response, 401, error("authentication_error", message));
    }
    const path = request.path.split("?")[0];
    if (request.method === "GET" && path === "/v1/models") {
      return sendJson(response, 200, {
        data: models.map(modelInfo),
        has_more: false,
        first_id: models[0] ?? null,
        last_id: models.at(-1) ?? null,
      });
    }
    const modelPath = /^\/v1\/models\/([^/]+)$/.exec(path ?? "");
    if (request.method === "GET" && modelPath) {
      const id = decodeURIComponent(modelPath[1]!);
      if (!models.includes(id)) return sendJson(response, 404, error("not_found_error", `model: ${id}`));
      return sendJson(response, 200, modelInfo(id));
    }
    if (request.method === "POST" && path === "/v1/messages") {
      const body = request.body as { model?: string; stream?: boolean; max_tokens?: number };
      if (typeof body.max_tokens !== "number") {
        return sendJson(response, 400, error("invalid_request_error", "max_tokens: Field required"));
      }
      if (server.mode === "fail") {
        return sendJson(
          response,
          400,
          error("invalid_request_error", "prompt is too long: 210000 tokens > 200000 maximum"),
        );
      }
      const model = body.model ?? "";
      if (!models.includes(model)) return sendJson(response, 404, error("not_found_error", `model: ${model}`));
      if (body.max_tokens > outputLimit(model)) {
        const message = `max_tokens: ${body.max_tokens} > ${outputLimit(model)}, which is the maximum allowed number of output tokens for ${model}`;
        return sendJson(response, 400, error("invalid_request_error", message));
      }
      const reply = options.reply ?? `Fake anthropic answer to: ${lastUserText(body)}`;
      const parts = pieces(reply).slice(0, body.max_tokens);
      const stopReason = parts.length < pieces(reply).length ? "max_tokens" : "end_turn";
      const id = "msg_01FakeXyZ";
      const usage = {
        input_tokens: 25,
        cache_creation_input_tokens: options.cache?.write ?? 0,
        cache_read_input_tokens: options.cache?.read ?? 0,
        output_tokens: 1,
      };
      if (!body.stream) {
        return sendJson(response, 200, {
          id,
          type: "message",
          role: "assistant",
          model,
          content: [{ type: "text", text: parts.join("") }],
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { ...usage, output_tokens: parts.length },
        });
      }
      startSse(response);
      sendSse(
        response,
        {
          type: "message_start",
          message: {
            id,
            type: "message",
            role: "assistant",
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage,
          },
        },
        "message_start",
      );
      sendSse(
        response,
        { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
        "content_block_start",
      );
      sendSse(response, { type: "ping" }, "ping");
      for (const [index, text] of parts.entries()) {
        sendSse(
          response,
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
          "content_block_delta",
        );
        if (index === 0 && server.mode === "hang") return;
      }
      sendSse(response, { type: "content_block_stop", index: 0 }, "content_block_stop");
      sendSse(
        response,
        {
          type: "message_delta",
          delta: { stop_reason: stopReason, stop_sequence: null },
          // Cumulative for the message, input and cache counts included, as the real API sends them.
          usage: { ...usage, output_tokens: parts.length },
        },
        "message_delta",
      );
      sendSse(response, { type: "message_stop" }, "message_stop");
      return response.end();
    }
    sendJson(response, 404, error("not_found_error", `Not found: ${request.method} ${path}`));
  });
}
