// A fake of the Anthropic Messages API as Claude Code calls it: POST /v1/messages?beta=true, streamed as
// SSE (message_start, content_block_start/delta/stop, message_delta, message_stop). Each model call takes
// the next scripted reply: text, a tool call (the CLI runs the tool and calls again with its result), or an
// API error with its status, body and headers.
import type { ServerResponse } from "node:http";
import { sendJson, sendSse, startSse, startVendorFake, type VendorFake } from "./server.ts";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export type AnthropicReply =
  | { kind: "text"; text: string; usage?: AnthropicUsage }
  | { kind: "tool_use"; name: string; input: Record<string, unknown>; usage?: AnthropicUsage }
  | { kind: "error"; status: number; type: string; message: string; headers?: Record<string, string> };

export type FakeAnthropic = VendorFake<AnthropicReply>;

const defaultUsage: AnthropicUsage = { input_tokens: 23, output_tokens: 9 };

export function startFakeAnthropic(dir: string): Promise<FakeAnthropic> {
  return startVendorFake<AnthropicReply>(
    dir,
    "anthropic",
    { kind: "text", text: "Hello from the fake Anthropic API" },
    (request, response, nextReply) => {
      const path = request.url.split("?")[0];
      if (request.method === "POST" && path === "/v1/messages") {
        const body = request.body as { model?: string };
        return answer(response, body.model ?? "claude-sonnet-5-5", nextReply());
      }
      if (request.method === "POST" && path === "/v1/messages/count_tokens") {
        return sendJson(response, 200, { input_tokens: 100 });
      }
      sendJson(response, 404, { type: "error", error: { type: "not_found_error", message: `no ${path}` } });
    },
  );
}

function answer(response: ServerResponse, model: string, reply: AnthropicReply): void {
  if (reply.kind === "error") {
    sendJson(
      response,
      reply.status,
      { type: "error", error: { type: reply.type, message: reply.message } },
      reply.headers,
    );
    return;
  }
  const usage = reply.usage ?? defaultUsage;
  startSse(response);
  sendSse(
    response,
    {
      type: "message_start",
      message: {
        id: `msg_${Math.random().toString(36).slice(2)}`,
        type: "message",
        role: "assistant",
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    },
    "message_start",
  );
  if (reply.kind === "text") {
    sendSse(
      response,
      { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
      "content_block_start",
    );
    sendSse(
      response,
      { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: reply.text } },
      "content_block_delta",
    );
  } else {
    const id = `toolu_${Math.random().toString(36).slice(2)}`;
    sendSse(
      response,
      { type: "content_block_start", index: 0, content_block: { type: "tool_use", id, name: reply.name, input: {} } },
      "content_block_start",
    );
    sendSse(
      response,
      {
        type: "content_block_delta",
        index: 0,
        delta: { type: "input_json_delta", partial_json: JSON.stringify(reply.input) },
      },
      "content_block_delta",
    );
  }
  sendSse(response, { type: "content_block_stop", index: 0 }, "content_block_stop");
  sendSse(
    response,
    {
      type: "message_delta",
      delta: { stop_reason: reply.kind === "text" ? "end_turn" : "tool_use", stop_sequence: null },
      usage: { output_tokens: usage.output_tokens },
    },
    "message_delta",
  );
  sendSse(response, { type: "message_stop" }, "message_stop");
  response.end();
}
