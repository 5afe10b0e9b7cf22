// Following a task from the terminal: the client WebSocket (stored output backlog, then the live tail)
// until the task ends, with a slow poll of the task as the safety net (and the only path when the
// WebSocket cannot connect).
import { ServerToClient, type Task } from "@garageswarm/protocol";
import WebSocket from "ws";
import type { Client } from "./client.ts";

export const terminalStatuses = new Set(["completed", "failed", "cancelled", "timed_out"]);

export interface OutputChunk {
  attempt?: number;
  stream: "stdout" | "stderr" | "event";
  chunk: string;
}

export interface FollowResult {
  task: Task;
  /** Whether any output chunk was streamed (when none was, show the result's output instead). */
  streamed: boolean;
}

const POLL_MS = 2_000;

/** `onTask`: each read of the task while following it (every few seconds), e.g. to say why it waits. */
export async function followTask(
  client: Client,
  taskId: string,
  onChunk: (chunk: OutputChunk) => void,
  onTask: (task: Task) => void = () => {},
): Promise<FollowResult> {
  const getTask = async () => {
    const task = await client.request<Task>("GET", `/api/v1/tasks/${encodeURIComponent(taskId)}`);
    onTask(task);
    return task;
  };
  const first = await getTask();
  if (terminalStatuses.has(first.status)) return { task: first, streamed: false };
  const me = await client.request<{ user_id: string }>("GET", "/api/v1/auth/me");

  let streamed = false;
  const seen = new Set<string>();
  const socket = openSocket(client, me.user_id);
  return new Promise<FollowResult>((resolve, reject) => {
    let done = false;
    const finish = (task: Task) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      socket?.close();
      resolve({ task, streamed });
    };
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      clearInterval(poll);
      socket?.close();
      reject(error);
    };
    const check = () =>
      getTask()
        .then((task) => {
          // Give chunks already on their way a moment to arrive before returning.
          if (terminalStatuses.has(task.status)) setTimeout(() => finish(task), 300);
        })
        .catch(fail);
    const poll = setInterval(check, POLL_MS);

    socket?.on("open", () => {
      socket.send(
        JSON.stringify({
          type: "subscribe",
          id: crypto.randomUUID(),
          ts: new Date().toISOString(),
          data: { task_id: taskId },
        }),
      );
      // The task may have ended between the first read and the subscription.
      void check();
    });
    socket?.on("message", (raw) => {
      const parsed = ServerToClient.safeParse(JSON.parse(raw.toString()));
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === "task.output" && message.data.task_id === taskId) {
        const key = `${message.data.attempt}:${message.data.seq}`;
        if (seen.has(key)) return;
        seen.add(key);
        streamed = true;
        onChunk({ attempt: message.data.attempt, stream: message.data.stream, chunk: message.data.chunk });
      } else if (message.type === "task.updated" && message.data.task_id === taskId) {
        if (terminalStatuses.has(message.data.status)) void getTask().then(finish, fail);
      }
    });
    // Without the socket the poll carries on alone.
    socket?.on("error", () => {});
  });
}

function openSocket(client: Client, userId: string): WebSocket | null {
  try {
    const url = `${client.server.replace(/^http/, "ws")}/ws/client/${userId}`;
    return new WebSocket(url, { headers: { authorization: `Bearer ${client.credential()}` } });
  } catch {
    return null;
  }
}
