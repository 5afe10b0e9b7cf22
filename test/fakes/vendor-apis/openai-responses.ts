// A fake of the OpenAI Responses API as Codex calls it through a custom `model_providers` entry:
// POST /v1/responses, streamed as SSE (response.created, response.output_item.done, response.completed).
// Each model call takes the next scripted reply: a message, a command for the agent to run through its
// `exec_command` tool (Codex 0.171 runs it and calls again with a `function_call_output`), an HTTP error
// with the body and headers the real API sends, a `response.failed` inside the stream, or a call that
// never finishes (for cancel tests).
import type { ServerResponse } from "node:http";
import { sendJson, sendSse, startSse, startVendorFake, type VendorFake } from "./server.ts";

export interface ResponsesUsage {
  input_tokens: number;
  cached_tokens?: number;
  output_tokens: number;
  reasoning_tokens?: number;
}

export type ResponsesReply =
  | {
      kind: "text";
      text: string;
      usage?: ResponsesUsage;
      /** A reasoning summary sent before the message (Codex shows it as a `reasoning` item). */
      reasoning?: string;
      /** Response headers, e.g. the ChatGPT backend's `x-codex-primary-used-percent` rate-limit family. */
      headers?: Record<string, string>;
    }
  | { kind: "command"; cmd: string; usage?: ResponsesUsage }
  /** An edit through Codex's `apply_patch` tool (a custom tool: the patch text is its whole input). */
  | { kind: "patch"; patch: string; usage?: ResponsesUsage }
  | {
      kind: "error";
      status: number;
      /** The `error` object of the body: `{message, type, code, param}` for the API, plus `resets_at`… for ChatGPT. */
      error: Record<string, unknown>;
      headers?: Record<string, string>;
    }
  | { kind: "failed"; code: string; message: string }
  | { kind: "hang" };

export type FakeResponses = VendorFake<ResponsesReply>;

/** The bodies the real APIs answer with, for the cases the tests script. */
export const responsesErrors = {
  unauthorized: {
    status: 401,
    error: {
      message:
        "Incorrect API key provided: sk-fake-***-key. You can find your API key at https://platform.openai.com/account/api-keys.",
      type: "invalid_request_error",
      code: "invalid_api_key",
      param: null,
    },
  },
  badRequest: {
    status: 400,
    error: {
      message: "Invalid value: 'gpt-nope'. The requested model does not exist.",
      type: "invalid_request_error",
      code: "model_not_found",
      param: "model",
    },
  },
  rateLimited: {
    status: 429,
    error: {
      message:
        "Rate limit reached for gpt-5.5 in organization org-fake on tokens per min (TPM): Limit 30000, Used 30000, Requested 1200. Please try again in 2.4s.",
      type: "tokens",
      code: "rate_limit_exceeded",
      param: null,
    },
    headers: { "retry-after": "1", "x-ratelimit-reset-tokens": "2.4s" },
  },
  insufficientQuota: {
    status: 429,
    error: {
      message:
        "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
      type: "insufficient_quota",
      code: "insufficient_quota",
      param: null,
    },
  },
  /** The ChatGPT backend's usage window, as Codex reads it (codex-api api_bridge.rs: `type` and `resets_at`). */
  usageLimit: (resetsAt: Date) => ({
    status: 429,
    error: {
      type: "usage_limit_reached",
      message: "The usage limit has been reached",
      plan_type: "plus",
      resets_at: Math.floor(resetsAt.getTime() / 1000),
      resets_in_seconds: Math.max(0, Math.round((resetsAt.getTime() - Date.now()) / 1000)),
    },
    headers: {
      "x-codex-primary-used-percent": "100",
      "x-codex-primary-window-minutes": "300",
      "x-codex-primary-reset-at": String(Math.floor(resetsAt.getTime() / 1000)),
      "x-codex-secondary-used-percent": "41",
      "x-codex-secondary-window-minutes": "10080",
    },
  }),
} as const;

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
const defaultUsage: ResponsesUsage = { input_tokens: 50, cached_tokens: 20, output_tokens: 9, reasoning_tokens: 3 };

function outputItem(reply: Extract<ResponsesReply, { kind: "text" | "command" | "patch" }>): Record<string, unknown> {
  const call = { status: "completed", call_id: `call_${counter}` };
  switch (reply.kind) {
    case "text":
      return {
        id: `msg_${counter}`,
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text: reply.text, annotations: [] }],
      };
    case "command":
      return {
        id: `fc_${counter}`,
        type: "function_call",
        ...call,
        name: "exec_command",
        arguments: JSON.stringify({ cmd: reply.cmd }),
      };
    case "patch":
      return { id: `ctc_${counter}`, type: "custom_tool_call", ...call, name: "apply_patch", input: reply.patch };
  }
}

function answer(response: ServerResponse, model: string, reply: ResponsesReply): Promise<void> | undefined {
  if (reply.kind === "error") {
    sendJson(response, reply.status, { error: reply.error }, reply.headers);
    return;
  }
  counter += 1;
  const id = `resp_${counter}`;
  const base = { id, object: "response", created_at: Math.floor(Date.now() / 1000), model, output: [] };
  startSse(response, reply.kind === "text" ? reply.headers : {});
  sendSse(response, { type: "response.created", response: { ...base, status: "in_progress" } }, "response.created");
  if (reply.kind === "hang") {
    // Never completes: the test cancels the run, and the CLI's connection closing ends this response.
    return new Promise((resolve) => response.on("close", () => resolve()));
  }
  if (reply.kind === "failed") {
    const failed = { ...base, status: "failed", error: { code: reply.code, message: reply.message } };
    sendSse(response, { type: "response.failed", response: failed }, "response.failed");
    response.end();
    return;
  }
  const items: Record<string, unknown>[] = [];
  if (reply.kind === "text" && reply.reasoning) {
    items.push({
      id: `rs_${counter}`,
      type: "reasoning",
      summary: [{ type: "summary_text", text: reply.reasoning }],
    });
  }
  items.push(outputItem(reply));
  for (const [index, item] of items.entries()) {
    sendSse(response, { type: "response.output_item.done", output_index: index, item }, "response.output_item.done");
  }
  const usage = reply.usage ?? defaultUsage;
  sendSse(
    response,
    {
      type: "response.completed",
      response: {
        ...base,
        status: "completed",
        output: items,
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
