// One WebSocket session to `/ws/worker/{worker_id}`: hello → welcome, then messages both ways. Requests
// that need an answer (accept, complete, fail, heartbeat…) wait for the `ack` carrying their envelope id;
// output chunks are sent without waiting. A session ends once; reconnecting makes a new one.
// What the server sends after its welcome is held until the session subscribes with `receive()`: the
// server pushes tasks right behind the welcome, often in the same TCP read, before the session's turn.
// SocketLink is the worker's link (link.ts) over an open session, with REST behind it.
import { EventEmitter } from "node:events";
import { envelope, ServerToWorker, type WorkerToServer } from "@garageswarm/protocol";
import WebSocket from "ws";
import type {
  AttemptFence,
  DeliveryOutcome,
  HeartbeatOutcome,
  MeasuredHeartbeat,
  OutputChunk,
  ServerLink,
} from "./link.ts";
import type { Report } from "./report.ts";

type WorkerMessage = WorkerToServer;
type MessageData<T extends WorkerMessage["type"]> = Extract<WorkerMessage, { type: T }>["data"];
export type Welcome = Extract<ServerToWorker, { type: "welcome" }>["data"];
export type Ack = { ok: boolean; error?: string };

export interface SocketEvents {
  close: [{ code: number; reason: string }];
}

type Incoming = Exclude<ServerToWorker, { type: "ack" }>;

export class SessionClosedError extends Error {
  constructor() {
    super("the WebSocket session closed before the server answered");
    this.name = "SessionClosedError";
  }
}

const ACK_TIMEOUT_MS = 15_000;

export class WorkerSocket extends EventEmitter<SocketEvents> {
  private readonly pending = new Map<
    string,
    { resolve(ack: Ack): void; reject(error: Error): void; timer: NodeJS.Timeout }
  >();
  private closed = false;
  private onWelcome: ((welcome: Welcome) => void) | null = null;
  private subscriber: ((message: Incoming) => void) | null = null;
  private held: Incoming[] = [];

  private constructor(private readonly ws: WebSocket) {
    super();
    ws.on("message", (raw) => this.onFrame(raw.toString()));
    ws.on("close", (code, reason) => this.finish(code, reason.toString()));
    ws.on("error", () => {
      // "close" follows every error; the session ends there.
    });
  }

  /**
   * Opens a session and says hello; resolves with the server's welcome. Rejects when the server cannot
   * be reached, refuses the key, has no WebSocket endpoint, or does not welcome in time.
   */
  static async open(
    serverUrl: string,
    workerId: string,
    key: string,
    hello: MessageData<"hello">,
    timeoutMs = 10_000,
  ): Promise<{ socket: WorkerSocket; welcome: Welcome }> {
    const url = `${serverUrl.replace(/^http/, "ws")}/ws/worker/${workerId}`;
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` }, handshakeTimeout: timeoutMs });
    const socket = new WorkerSocket(ws);
    try {
      await new Promise<void>((resolve, reject) => {
        ws.once("open", () => resolve());
        ws.once("unexpected-response", (_request, response) => {
          reject(new Error(`the server answered the WebSocket upgrade with HTTP ${response.statusCode}`));
          ws.terminate();
        });
        ws.once("error", reject);
        ws.once("close", () => reject(new SessionClosedError()));
      });
      const welcome = new Promise<Welcome>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no welcome from the server")), timeoutMs);
        socket.onWelcome = (data) => {
          clearTimeout(timer);
          resolve(data);
        };
        socket.once("close", ({ code, reason }) => {
          clearTimeout(timer);
          reject(new Error(`the server closed the WebSocket (${code}${reason ? `: ${reason}` : ""})`));
        });
      });
      socket.send("hello", hello);
      return { socket, welcome: await welcome };
    } catch (error) {
      socket.close();
      throw error;
    }
  }

  /** Subscribes the session: first what arrived since the welcome, in order, then each message as it comes. */
  receive(subscriber: (message: Incoming) => void): void {
    this.subscriber = subscriber;
    const held = this.held;
    this.held = [];
    for (const message of held) subscriber(message);
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends without waiting for the answer. Returns false when the session is gone. */
  send<T extends WorkerMessage["type"]>(type: T, data: MessageData<T>, id?: string): boolean {
    if (!this.isOpen) return false;
    this.ws.send(JSON.stringify(envelope<WorkerMessage>(type, data as never, id)));
    return true;
  }

  /** Sends and waits for the server's ack; rejects when the session closes first or no ack comes. */
  request<T extends WorkerMessage["type"]>(type: T, data: MessageData<T>, timeoutMs = ACK_TIMEOUT_MS): Promise<Ack> {
    const id = crypto.randomUUID();
    return new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no ack for ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (!this.send(type, data, id)) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new SessionClosedError());
      }
    });
  }

  /**
   * Closes the session. `going_away` (1001) tells the server the worker is stopping, so it shows offline at
   * once; a plain close (1000: a reconnect, a pause) says nothing about the worker's state.
   */
  close(why: "reconnect" | "going_away" = "reconnect"): void {
    const [code, reason] = why === "going_away" ? [1001, "worker stopped"] : [1000, "worker closing"];
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) {
      this.ws.close(code, reason);
      // A peer that never answers the close handshake must not keep the process alive.
      setTimeout(() => this.ws.terminate(), 2_000).unref();
    }
    this.finish(code, reason);
  }

  private onFrame(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = ServerToWorker.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === "ack") {
      const waiting = this.pending.get(message.id);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(message.id);
        waiting.resolve(message.data);
      }
      return;
    }
    if (message.type === "welcome") {
      this.onWelcome?.(message.data);
      this.onWelcome = null;
    } else if (this.subscriber) {
      this.subscriber(message);
    } else {
      this.held.push(message);
    }
  }

  private finish(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const [id, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new SessionClosedError());
      this.pending.delete(id);
    }
    this.emit("close", { code, reason });
  }
}

/**
 * The link over an open session: output streams chunk by chunk, reports wait for the server's ack. Once
 * the session is closed, or when an ack does not settle a report, the REST link behind it carries the call.
 */
export class SocketLink implements ServerLink {
  readonly mode = "websocket" as const;

  constructor(
    readonly socket: WorkerSocket,
    private readonly rest: ServerLink,
  ) {}

  get live(): boolean {
    return this.socket.isOpen;
  }

  async sendOutput(fence: AttemptFence, chunks: OutputChunk[]): Promise<void> {
    if (!this.socket.isOpen) return this.rest.sendOutput(fence, chunks);
    // Fire and forget: a stale attempt's output is dropped by the server, and its report is fenced.
    for (const { seq, stream, chunk } of chunks) this.socket.send("task.output", { ...fence, seq, stream, chunk });
  }

  async sendProgress(fence: AttemptFence, progress: number, message: string): Promise<void> {
    if (!this.socket.isOpen) return this.rest.sendProgress(fence, progress, message);
    this.socket.send("task.progress", { ...fence, progress, message });
  }

  async deliver(report: Report): Promise<DeliveryOutcome> {
    // A patch may be megabytes: over the server's 1 MiB frame limit, while POST /complete takes 12 MiB.
    const carriesPatch = report.kind === "complete" && report.result.code?.patch !== undefined;
    if (this.socket.isOpen && !carriesPatch) {
      try {
        const ack = await this.request(report);
        if (ack.ok) return "delivered";
        if (ack.error === "stale") return "fenced";
      } catch {
        // The session ended before the ack: REST settles it, and a duplicate is refused by the fence.
      }
    }
    return this.rest.deliver(report);
  }

  async heartbeat(body: MeasuredHeartbeat): Promise<HeartbeatOutcome> {
    if (!this.socket.isOpen) return this.rest.heartbeat(body);
    // Cancels come as task.cancel messages on a session, not in the heartbeat's answer.
    const ack = await this.socket.request("heartbeat", body);
    return { accepted: ack.ok, cancelTaskIds: [] };
  }

  private request(report: Report): Promise<Ack> {
    const fence = { task_id: report.task_id, attempt_token: report.attempt_token };
    if (report.kind === "complete") return this.socket.request("task.complete", { ...fence, result: report.result });
    return this.socket.request("task.fail", {
      ...fence,
      error: report.error,
      retryable: report.retryable,
      ...(report.result ? { result: report.result } : {}),
      ...(report.limit ? { limit: report.limit } : {}),
      ...(report.session_id ? { session_id: report.session_id } : {}),
    });
  }
}
