// A fake of the Anthropic Messages API as Claude Code calls it: POST /v1/messages?beta=true, streamed as
// SSE (message_start, content_block_start/delta/stop, message_delta, message_stop). Each model call takes
// the next scripted reply: text, a tool call (the CLI runs the tool and calls again with its result), an
// API error with its status, body and headers, or a stream that never ends (for cancels). Replies may carry
// the `anthropic-ratelimit-unified-*` headers with which api.anthropic.com (and an LLM gateway) report a
// subscriber's usage windows; Claude Code reads them only when signed in to a subscription or a gateway
// (see claudeGatewayToken).
import type { ServerResponse } from "node:http";
import { sendJson, sendSse, startSse, startVendorFake, type VendorFake } from "./server.ts";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

type Headers = Record<string, string>;

export type AnthropicReply =
  | { kind: "text"; text: string; usage?: AnthropicUsage; headers?: Headers }
  /** `{{cwd}}` in the input becomes the CLI's working directory (withWorkingDirectory). */
  | { kind: "tool_use"; name: string; input: Record<string, unknown>; usage?: AnthropicUsage; headers?: Headers }
  /** `sticky`: answers every later model call too, until the next `script()` (the CLI retries some errors). */
  | { kind: "error"; status: number; type: string; message: string; headers?: Headers; sticky?: boolean }
  /** Starts the stream and never finishes it: the CLI waits until it is killed. */
  | { kind: "hang" };

export type FakeAnthropic = VendorFake<AnthropicReply>;

const defaultUsage: AnthropicUsage = { input_tokens: 23, output_tokens: 9 };

export async function startFakeAnthropic(dir: string): Promise<FakeAnthropic> {
  let sticky: AnthropicReply | null = null;
  const fake = await startVendorFake<AnthropicReply>(
    dir,
    "anthropic",
    { kind: "text", text: "Hello from the fake Anthropic API" },
    (request, response, nextReply) => {
      const path = request.url.split("?")[0];
      if (request.method === "POST" && path === "/v1/messages") {
        const body = request.body as { model?: string };
        const reply = sticky ?? nextReply();
        if (reply.kind === "error" && reply.sticky) sticky = reply;
        return answer(response, body.model ?? "claude-sonnet-5-5", withWorkingDirectory(reply, request.body));
      }
      if (request.method === "POST" && path === "/v1/messages/count_tokens") {
        return sendJson(response, 200, { input_tokens: 100 });
      }
      sendJson(response, 404, { type: "error", error: { type: "not_found_error", message: `no ${path}` } });
    },
  );
  return {
    ...fake,
    script(...replies) {
      sticky = null;
      fake.script(...replies);
    },
  };
}

/**
 * A bearer token Claude Code takes for a sign-in to an LLM gateway: a JWT whose audience is
 * `claude-gateway` (2.1.332 decodes it without checking a signature). With it in ANTHROPIC_AUTH_TOKEN and
 * ANTHROPIC_BASE_URL set to the fake (and no ANTHROPIC_API_KEY), the CLI reads the unified rate-limit
 * headers as a subscriber's would: `rate_limit_event`s and "You've hit your … limit · resets …".
 */
export function claudeGatewayToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ aud: "claude-gateway", sub: "garageswarm-test" })}.unsigned`;
}

export type UsageWindow = "five_hour" | "seven_day";
const windowAbbreviation: Record<UsageWindow, string> = { five_hour: "5h", seven_day: "7d" };

/** Epoch seconds, as the unified headers and Claude Code's `resetsAt` carry times. */
function epochSeconds(at: Date | number): number {
  return typeof at === "number" ? Math.round(at) : Math.round(at.getTime() / 1000);
}

/**
 * The unified rate-limit headers of a response: `allowed`, `allowed_warning` (past a threshold) or
 * `rejected`, for one usage window that resets at `resetsAt` (a Date or epoch seconds).
 */
export function unifiedRateLimitHeaders(
  status: "allowed" | "allowed_warning" | "rejected",
  resetsAt: Date | number,
  window: UsageWindow = "five_hour",
  utilization = status === "rejected" ? 1 : status === "allowed_warning" ? 0.92 : 0.2,
): Headers {
  const reset = String(epochSeconds(resetsAt));
  const abbreviation = windowAbbreviation[window];
  return {
    "anthropic-ratelimit-unified-status": status,
    "anthropic-ratelimit-unified-reset": reset,
    "anthropic-ratelimit-unified-representative-claim": window,
    [`anthropic-ratelimit-unified-${abbreviation}-status`]: status,
    [`anthropic-ratelimit-unified-${abbreviation}-reset`]: reset,
    [`anthropic-ratelimit-unified-${abbreviation}-utilization`]: String(utilization),
    ...(status === "allowed_warning"
      ? { [`anthropic-ratelimit-unified-${abbreviation}-surpassed-threshold`]: "0.9" }
      : {}),
  };
}

/**
 * A subscriber's usage window is used up until `resetsAt`: the 429 api.anthropic.com sends. Claude Code,
 * signed in to a subscription or gateway, gives up at once and emits a `rate_limit_event` with
 * `status: "rejected"` and a result "You've hit your 5-hour limit · resets …". Not sticky: the CLI sends
 * the request once, so `script(usageLimitReply(soon), {kind: "text", …})` limits one run and answers the
 * resumed one.
 */
export function usageLimitReply(resetsAt: Date | number, window: UsageWindow = "five_hour"): AnthropicReply {
  const retryAfter = Math.max(0, epochSeconds(resetsAt) - Math.round(Date.now() / 1000));
  return {
    kind: "error",
    status: 429,
    type: "rate_limit_error",
    message: "Number of requests has exceeded your rate limit",
    headers: {
      ...unifiedRateLimitHeaders("rejected", resetsAt, window),
      "retry-after": String(retryAfter),
      "x-should-retry": "false",
    },
  };
}

/** An API key's per-minute rate limit: a plain 429 with `retry-after`, which the CLI retries. */
export function rateLimitReply(retryAfterSeconds: number): AnthropicReply {
  return {
    kind: "error",
    status: 429,
    type: "rate_limit_error",
    message: "This request would exceed your organization's rate limit of 50 requests per minute.",
    headers: { "retry-after": String(retryAfterSeconds) },
    sticky: true,
  };
}

/**
 * A tool call's input with `{{cwd}}` replaced by the working directory the CLI told the model it runs in
 * (Claude Code 2.1 says "Primary working directory: …" in its system prompt), so a script can write a file by the absolute
 * path Claude Code's Write tool wants without knowing the task's directory in advance.
 */
function withWorkingDirectory(reply: AnthropicReply, body: unknown): AnthropicReply {
  if (reply.kind !== "tool_use") return reply;
  const input = JSON.stringify(reply.input);
  if (!input.includes("{{cwd}}")) return reply;
  const cwd = /working directory: ([^\s"\\]+)/i.exec(JSON.stringify(body))?.[1];
  if (!cwd) throw new Error("the fake was asked for {{cwd}}, but the request names no working directory");
  return { ...reply, input: JSON.parse(input.replaceAll("{{cwd}}", cwd)) as Record<string, unknown> };
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
  const usage = reply.kind === "hang" ? defaultUsage : (reply.usage ?? defaultUsage);
  startSse(response, reply.kind === "hang" ? {} : reply.headers);
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
  if (reply.kind === "hang") return;
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
