// The client WebSocket (/ws/client/{user_id}): one connection per tab, reconnecting with backoff.
// Messages are envelopes {type, id, ts, data}; listeners get each one, and query caches are invalidated
// by the domain the type names (task.*, worker.*, workflow.*/run.*/node.*).
import type { ClientToServer, ServerToClient, WsTicket } from "@garageswarm/protocol";
import type { QueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";
import { createStore } from "./store.ts";

export type LiveStatus = "off" | "connecting" | "live" | "reconnecting";
export const liveStatus = createStore<LiveStatus>("off");

const listeners = new Set<(message: ServerToClient) => void>();
const subscriptions = new Map<string, ClientToServer>();
let socket: WebSocket | null = null;

export function onLiveMessage(listener: (message: ServerToClient) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Streams a task's output (backlog first, then live) now and again after every reconnect. */
export function subscribeTaskOutput(taskId: string): () => void {
  const message = envelope<ClientToServer>("subscribe", { task_id: taskId });
  subscriptions.set(taskId, message);
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  return () => {
    subscriptions.delete(taskId);
    if (socket?.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(envelope<ClientToServer>("unsubscribe", { task_id: taskId })));
    }
  };
}

// The protocol's envelope() builds with zod imported; this keeps zod out of the bundle.
function envelope<M extends ClientToServer>(type: M["type"], data: M["data"]): ClientToServer {
  return { type, id: crypto.randomUUID(), ts: new Date().toISOString(), data } as ClientToServer;
}

export function startLive(userId: string): () => void {
  let stopped = false;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function connect() {
    if (stopped) return;
    liveStatus.set(attempt === 0 ? "connecting" : "reconnecting");
    // A single-use ticket, not the access token, goes in the URL: URLs end up in proxy and server logs.
    const ticket = await api.post<WsTicket>("/auth/ws-ticket").catch(() => null);
    if (stopped) return;
    if (!ticket) {
      retryLater();
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(
      `${scheme}://${location.host}/ws/client/${encodeURIComponent(userId)}?ticket=${encodeURIComponent(ticket.ticket)}`,
    );
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      liveStatus.set("live");
      for (const message of subscriptions.values()) ws.send(JSON.stringify(message));
    };
    ws.onmessage = (event) => {
      const message = parse(event.data);
      if (message) for (const listener of listeners) listener(message);
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      retryLater();
    };
  }

  function retryLater() {
    if (stopped) return;
    attempt += 1;
    liveStatus.set("reconnecting");
    // Backoff with jitter so a restarted server is not hit by every tab at once.
    const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
    timer = setTimeout(() => void connect(), delay);
  }

  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close(1000);
    socket = null;
    liveStatus.set("off");
  };
}

// The server validates what it sends against ServerToClient; only the envelope's shape is checked here.
function parse(raw: unknown): ServerToClient | null {
  if (typeof raw !== "string") return null;
  try {
    const value = JSON.parse(raw) as ServerToClient;
    return typeof value?.type === "string" && typeof value.data === "object" && value.data !== null ? value : null;
  } catch {
    return null;
  }
}

/** Keeps every cached list and detail current: a live event marks the queries of its domain stale. */
export function invalidateOnLiveMessages(queryClient: QueryClient): () => void {
  return onLiveMessage((message) => {
    // task.output chunks stream into the log view directly; refetching per chunk would flood the server.
    switch (message.type) {
      case "task.updated":
        void queryClient.invalidateQueries({ queryKey: ["tasks"] });
        void queryClient.invalidateQueries({ queryKey: ["task", message.data.task_id] });
        void queryClient.invalidateQueries({ queryKey: ["workers"] });
        break;
      case "worker.updated":
        void queryClient.invalidateQueries({ queryKey: ["workers"] });
        break;
      case "run.updated":
      case "node.updated":
        void queryClient.invalidateQueries({ queryKey: ["runs"] });
        void queryClient.invalidateQueries({ queryKey: ["run", message.data.run_id] });
        break;
    }
  });
}
