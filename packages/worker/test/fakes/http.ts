// A tiny node:http server for the fake APIs: JSON bodies in, a record of every request, and a close()
// that also drops streams left hanging on purpose.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type FakeMode = "ok" | "fail" | "hang";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface FakeServer {
  /** Base URL, without a trailing slash (`http://127.0.0.1:PORT`). */
  url: string;
  /** ok: answer normally; fail: answer with the API's error shape; hang: start streaming, then stall. */
  mode: FakeMode;
  readonly requests: RecordedRequest[];
  /** How many streamed responses the client abandoned before they were finished. */
  readonly abortedStreams: number;
  close(): Promise<void>;
}

export type Handler = (request: RecordedRequest, response: ServerResponse, server: FakeServer) => unknown;

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  let aborted = 0;
  const requests: RecordedRequest[] = [];
  const http = createServer(async (incoming, response) => {
    // A page calls the APIs across origins (the phone worker), as the vendors' APIs allow: answer the
    // preflight, and let the page read every answer. A preflight is no API call: it is not recorded.
    if (incoming.headers.origin) allowCrossOrigin(incoming, response);
    if (incoming.method === "OPTIONS" && incoming.headers["access-control-request-method"]) {
      response.writeHead(204).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // keep the raw text
    }
    const recorded = { method: incoming.method ?? "GET", path: incoming.url ?? "/", headers: incoming.headers, body };
    requests.push(recorded);
    response.on("close", () => {
      if (!response.writableEnded) aborted += 1;
    });
    try {
      await handler(recorded, response, server);
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  const server: FakeServer = {
    url: `http://127.0.0.1:${port}`,
    mode: "ok",
    requests,
    get abortedStreams() {
      return aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  return server;
}

function allowCrossOrigin(incoming: IncomingMessage, response: ServerResponse): void {
  response.setHeader("access-control-allow-origin", incoming.headers.origin ?? "*");
  response.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
  const asked = incoming.headers["access-control-request-headers"];
  if (asked) response.setHeader("access-control-allow-headers", asked);
  response.setHeader("access-control-max-age", "600");
  response.setHeader("vary", "origin");
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** Opens a server-sent-events response. */
export function startSse(response: ServerResponse): void {
  response.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
}

export function sendSse(response: ServerResponse, data: unknown, event?: string): void {
  response.write(
    `${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`,
  );
}

/** Splits a reply into small pieces, as models stream them. */
export function pieces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [text];
}

/** The last user message of a chat-style body. */
export function lastUserText(body: unknown): string {
  const messages = (body as { messages?: Array<{ role: string; content: unknown }> } | undefined)?.messages ?? [];
  const content = messages.filter((message) => message.role === "user").at(-1)?.content;
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (part as { text?: string }).text ?? "").join("");
  return "";
}
