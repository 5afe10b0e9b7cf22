// A WebSocket peer for tests: collects every message and lets a test wait for the one it expects. Each
// message is parsed with its direction's catalogue (ServerToWorker or ServerToClient); one that does not
// match fails every wait of the peer, so a test fails when the socket wire drifts from the protocol.
import { randomUUID } from "node:crypto";
import { ServerToClient, ServerToWorker } from "@garageswarm/protocol";
import WebSocket from "ws";
import { z } from "zod";

export interface Peer {
  readonly socket: WebSocket;
  readonly received: any[];
  send(type: string, data: unknown, id?: string): string;
  /** Resolves with the first message (already received or future) that matches; rejects after `timeoutMs`. */
  next(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

export function toWebSocketUrl(httpUrl: string, path: string): string {
  const url = new URL(path, httpUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

/** The catalogue of what the server sends on the socket at `url`, if it is one of the protocol's. */
function catalogueOf(url: string): z.ZodType | undefined {
  const { pathname } = new URL(url);
  if (pathname.startsWith("/ws/worker/")) return ServerToWorker;
  if (pathname.startsWith("/ws/client/")) return ServerToClient;
  return undefined;
}

/** Opens a socket; rejects with the HTTP status when the upgrade is refused. */
export function connectPeer(url: string, headers: Record<string, string> = {}): Promise<Peer> {
  const catalogue = catalogueOf(url);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const received: any[] = [];
    const waiters = new Set<{
      match: (message: any) => boolean;
      resolve: (message: any) => void;
      reject: (error: Error) => void;
    }>();
    let drift: Error | null = null;
    socket.on("message", (raw) => {
      const message = JSON.parse(raw.toString());
      const parsed = catalogue?.safeParse(message);
      if (parsed && !parsed.success && !drift) {
        drift = new Error(`the server sent a message its catalogue lacks:\n${z.prettifyError(parsed.error)}\n${raw}`);
        for (const waiter of waiters) waiter.reject(drift);
        waiters.clear();
      }
      received.push(message);
      for (const waiter of waiters) {
        if (waiter.match(message)) {
          waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
    socket.once("unexpected-response", (_request, response) => {
      reject(Object.assign(new Error(`upgrade refused: ${response.statusCode}`), { status: response.statusCode }));
    });
    socket.once("error", reject);
    socket.once("open", () => {
      resolve({
        socket,
        received,
        send(type, data, id = randomUUID()) {
          socket.send(JSON.stringify({ type, id, ts: new Date().toISOString(), data }));
          return id;
        },
        next(match, timeoutMs = 10_000) {
          if (drift) return Promise.reject(drift);
          const found = received.find(match);
          if (found) return Promise.resolve(found);
          return new Promise((resolveNext, rejectNext) => {
            const waiter = { match, resolve: resolveNext, reject: rejectNext };
            waiters.add(waiter);
            setTimeout(() => {
              if (waiters.delete(waiter)) rejectNext(new Error(`no matching message within ${timeoutMs} ms`));
            }, timeoutMs).unref();
          });
        },
        close() {
          return new Promise((resolveClose) => {
            if (socket.readyState === WebSocket.CLOSED) return resolveClose();
            socket.once("close", () => resolveClose());
            socket.close();
          });
        },
      });
    });
  });
}

export interface WorkerHello {
  worker_id: string;
  machine_id: string;
  tools: unknown[];
  slots?: number;
  running?: unknown[];
  resources?: Record<string, number>;
}

/** A registered worker's socket after its `hello` was welcomed: what a worker agent holds once connected. */
export async function connectWorker(serverUrl: string, key: string, hello: WorkerHello): Promise<Peer> {
  const { worker_id, slots = 1, running = [], ...rest } = hello;
  const peer = await connectPeer(toWebSocketUrl(serverUrl, `/ws/worker/${worker_id}`), {
    authorization: `Bearer ${key}`,
  });
  peer.send("hello", { ...rest, slots, running });
  await peer.next((message) => message.type === "welcome");
  return peer;
}
