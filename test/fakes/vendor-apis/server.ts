// The base of every vendor API fake the real agent CLIs talk to: an HTTP server on a Unix socket (so that a
// CLI inside its own network namespace reaches it through the sandbox's bridge), a record of every request,
// and a queue of scripted replies: a test says what the next model calls answer, in order, and the fake falls
// back to a plain answer when the queue is empty.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";

export interface VendorRequest {
  method: string;
  /** The path with its query string, as sent. */
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

export interface VendorFake<Reply> {
  /** The Unix socket the fake listens on. */
  readonly socket: string;
  readonly requests: VendorRequest[];
  /** Replies for the next model calls, in order. */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

/**
 * Answers one request. `nextReply()` takes the next scripted reply (or the default); handlers call it only
 * for model calls, so side requests (a model list, a token count) do not use up the script.
 */
export type VendorHandler<Reply> = (
  request: VendorRequest,
  response: ServerResponse,
  nextReply: () => Reply,
) => unknown;

export async function startVendorFake<Reply>(
  dir: string,
  name: string,
  defaultReply: Reply,
  handler: VendorHandler<Reply>,
): Promise<VendorFake<Reply>> {
  const socket = join(dir, `${name}.sock`);
  const requests: VendorRequest[] = [];
  const queue: Reply[] = [];
  const http = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let body: unknown = text;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const request = { method: incoming.method ?? "GET", url: incoming.url ?? "/", headers: incoming.headers, body };
    requests.push(request);
    try {
      await handler(request, response, () => queue.shift() ?? defaultReply);
    } catch (error) {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.end();
    }
  });
  await new Promise<void>((resolve) => http.listen(socket, resolve));
  return {
    socket,
    requests,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/** Opens a server-sent-events response. */
export function startSse(response: ServerResponse, headers = {}): void {
  response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", ...headers });
}

export function sendSse(response: ServerResponse, data: unknown, event?: string): void {
  response.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
}
