// How the worker tells the server about its attempts, whichever way it is connected. Two implementations:
// SocketLink (socket.ts) while a WebSocket session is open, RestLink (rest.ts) otherwise; connection.ts
// swaps them. Each owns its rules once: what counts as fenced, what a refused body means. A SocketLink
// whose session has just closed hands every call to the RestLink behind it, so nothing waits for the swap.
import type { Heartbeat, ResourceSample } from "@garageswarm/protocol";
import type { OutputStream } from "../tools/tool.ts";
import type { Report } from "./report.ts";

/** A machine worker always measures its resources (only a phone's browser cannot); the socket needs them. */
export type MeasuredHeartbeat = Heartbeat & ResourceSample;

/** `delivered`: the server stored it; `fenced`: it never will (stale or finished) — both end the report. */
export type DeliveryOutcome = "delivered" | "fenced";

/** The attempt a message is about: the server takes it only while that attempt holds the task. */
export interface AttemptFence {
  task_id: string;
  attempt_token: string;
}

export interface OutputChunk {
  seq: number;
  stream: OutputStream;
  chunk: string;
}

export interface HeartbeatOutcome {
  /** The server took the heartbeat (and the tool list in it, if any). */
  accepted: boolean;
  /** The interval the server asks for, when it says (REST answers do; a session's welcome did). */
  intervalSeconds?: number;
  /** Tasks the server says to stop: cancelled, or no longer this worker's. */
  cancelTaskIds: string[];
}

export interface ServerLink {
  readonly mode: "websocket" | "pull";
  /** Output may go out chunk by chunk as it comes (an open session); otherwise it is batched. */
  readonly live: boolean;
  /** Sends output chunks, in order; throws AttemptFencedError when the server no longer holds the attempt. */
  sendOutput(fence: AttemptFence, chunks: OutputChunk[]): Promise<void>;
  /** Says the attempt is alive (renewing its lease); throws AttemptFencedError like sendOutput. */
  sendProgress(fence: AttemptFence, progress: number, message: string): Promise<void>;
  /** Sends a report; throws when it is worth trying again (no connection, a server error). */
  deliver(report: Report): Promise<DeliveryOutcome>;
  heartbeat(body: MeasuredHeartbeat): Promise<HeartbeatOutcome>;
}

/** The server no longer holds this attempt (a stale token, a finished or deleted task): stop the run. */
export class AttemptFencedError extends Error {
  constructor(readonly taskId: string) {
    super(`the server no longer holds this attempt of task ${taskId}`);
    this.name = "AttemptFencedError";
  }
}
