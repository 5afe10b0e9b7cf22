// A fake of the OpenAI Responses API as Codex calls it through a custom `model_providers` entry:
// POST /v1/responses, streamed as SSE (response.created, response.output_item.done, response.completed).
// Each model call takes the next scripted reply: a message, a shell command for the agent to run (the CLI
// runs it and calls again with its output), or an API error.
import type { ServerResponse } from "node:http";
import { sendJson, sendSse, startSse, startVendorFake, type VendorFake } from "./server.ts";

export interface ResponsesUsage {
  input_tokens: number;
  cached_tokens?: number;
  output_tokens: number;
  reasoning_tokens?: number;
}

export type ResponsesReply =
  | { kind: "text"; text: string; usage?: ResponsesUsage }
  | { kind: "shell"; command: string[]; usage?: ResponsesUsage }
  | { kind: "error"; status: number; code: string; message: string; headers?: Record<string, string> };

export type FakeResponses = VendorFake<ResponsesReply>;

export function startFakeResponses(dir: string): Promise<FakeResponses> {
  return startVendorFake<ResponsesReply>(
    dir,
    "openai",
    { kind: "text", text: "Hello from the fake Responses API" },
    (request, response, nextReply) => {
      const path = request.url.split("?")[0];
      if (request.method === "POST" && path === "/v1/responses") {
        const body = request.body as { model?: string };
        return answer(response, body.model ?? "gpt-5.5", nextReply());
      }
      sendJson(response, 404, { error: { message: `no ${path}`, type: "invalid_request_error", code: null } });
    },
  );
}

let counter = 0;

function answer(response: ServerResponse, model: string, reply: ResponsesReply): void {
  if (reply.kind === "error") {
    sendJson(
      response,
      reply.status,
      { error: { message: reply.message, type: reply.code, code: reply.code, param: null } },
      reply.headers,
    );
    return;
  }
  counter += 1;
  const id = `resp_${counter}`;
  const base = { id, object: "response", created_at: Math.floor(Date.now() / 1000), model, output: [] };
  const item =
    reply.kind === "text"
      ? {
          id: `msg_${counter}`,
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: reply.text, annotations: [] }],
        }
      : {
          id: `fc_${counter}`,
          type: "function_call",
          status: "completed",
          call_id: `call_${counter}`,
          name: "shell",
          arguments: JSON.stringify({ command: reply.command }),
        };
  const usage = reply.usage ?? { input_tokens: 50, cached_tokens: 20, output_tokens: 9, reasoning_tokens: 3 };
  startSse(response);
  sendSse(response, { type: "response.created", response: { ...base, status: "in_progress" } }, "response.created");
  sendSse(response, { type: "response.output_item.done", output_index: 0, item }, "response.output_item.done");
  sendSse(
    response,
    {
      type: "response.completed",
      response: {
        ...base,
        status: "completed",
        output: [item],
        usage: {
          input_tokens: usage.input_tokens,
          input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
          output_tokens: usage.output_tokens,
          output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
          total_tokens: usage.input_tokens + usage.output_tokens,
        },
      },
    },
    "response.completed",
  );
  response.end();
}
