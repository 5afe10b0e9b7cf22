// `/ws/client/{user_id}`: a dashboard's (or CLI's) live feed. Authenticated by an Authorization header (the
// CLI) or a single-use `?ticket=` (browsers cannot set headers on a WebSocket); a client receives only
// its own user's events. `subscribe {task_id}` sends the stored output backlog, then the live tail.
import { randomUUID } from "node:crypto";
import { ClientToServer, type ServerToClient } from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { WebSocket } from "ws";
import { z } from "zod";
import { principalOf } from "../auth/authenticate.ts";
import { type BusMessages, subscribe } from "../bus/channels.ts";
import { NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { findTaskOfUser } from "../tasks/queries.ts";
import { listAcceptedMemberIds } from "../workers/queries.ts";
import type { OutputStore } from "./output-store.ts";
import { createWorkerAudience } from "./worker-audience.ts";
import { socketAuthenticator } from "./worker-socket.ts";

type Output = Extract<ServerToClient, { type: "task.output" }>["data"];

interface ClientConnection {
  user_id: string;
  send(message: ServerToClient): void;
  close(code: number, reason: string): void;
  /** task_id → live chunks held back while the backlog is being sent (null once live). */
  subscriptions: Map<string, Output[] | null>;
}

function envelope<T extends ServerToClient["type"]>(
  type: T,
  data: Extract<ServerToClient, { type: T }>["data"],
  id: string = randomUUID(),
): ServerToClient {
  return { type, id, ts: new Date().toISOString(), data } as ServerToClient;
}

export function clientSocketRoutes(resources: Resources, output: OutputStore): FastifyPluginAsyncZod {
  return async (app) => {
    const byUser = new Map<string, Set<ClientConnection>>();
    const toUser = (userId: string, message: ServerToClient) => {
      for (const connection of byUser.get(userId) ?? []) connection.send(message);
    };
    const audience = createWorkerAudience(resources);

    const unsubscribers = await Promise.all([
      subscribe(resources.bus, "task.updated", (message) => {
        const { user_id, ...update } = message;
        toUser(user_id, envelope("task.updated", update));
      }),
      subscribe(resources.bus, "task.output", (message: BusMessages["task.output"]) => {
        const { user_id, ...chunk } = message;
        for (const connection of byUser.get(user_id) ?? []) {
          if (!connection.subscriptions.has(chunk.task_id)) continue;
          const held = connection.subscriptions.get(chunk.task_id);
          if (held) held.push(chunk);
          else connection.send(envelope("task.output", chunk));
        }
      }),
      subscribe(resources.bus, "worker.updated", (message) => {
        // A share accepted or ended publishes this too: the heartbeat audience is read afresh.
        audience.forget(message.worker_id);
        if (byUser.size === 0) return;
        void (async () => {
          const members = await listAcceptedMemberIds(resources.db, message.worker_id);
          const users = new Set([message.owner_user_id, ...members]);
          for (const userId of users) {
            toUser(userId, envelope("worker.updated", { worker_id: message.worker_id, status: message.status }));
          }
        })().catch(() => {});
      }),
      subscribe(resources.bus, "worker.heartbeat", (message) => {
        if (byUser.size === 0) return;
        const { owner_user_id, ...sample } = message;
        void audience
          .usersOf(message.worker_id, owner_user_id)
          .then((users) => {
            // One envelope for all: a busy fleet sends many of these.
            const event = envelope("worker.heartbeat", sample);
            for (const userId of users) toUser(userId, event);
          })
          .catch(() => {});
      }),
      // A disabled user's dashboards lose their feed at once; reconnecting is refused by authentication.
      subscribe(resources.bus, "user.disabled", (message) => {
        for (const connection of byUser.get(message.user_id) ?? []) connection.close(4403, "user disabled");
      }),
      subscribe(resources.bus, "run.updated", (message) => {
        const { user_id, ...run } = message;
        toUser(user_id, envelope("run.updated", run));
      }),
      subscribe(resources.bus, "node.updated", (message) => {
        const { user_id, ...node } = message;
        toUser(user_id, envelope("node.updated", node));
      }),
    ]);
    app.addHook("onClose", async () => {
      await Promise.all(unsubscribers.map((unsubscribe) => unsubscribe()));
    });

    app.get(
      "/ws/client/:user_id",
      {
        websocket: true,
        onRequest: socketAuthenticator(resources, { tickets: true }),
        preHandler: async (request) => {
          const { user_id } = request.params as { user_id: string };
          if (principalOf(request).user_id !== user_id) throw new NotFoundError("no such user feed");
        },
        schema: {
          hide: true,
          params: z.object({ user_id: z.uuid() }),
          querystring: z.object({ ticket: z.string().max(2000).optional() }),
        },
      },
      (socket, request) => handleClientSocket(resources, output, byUser, socket, request),
    );
  };
}

function handleClientSocket(
  resources: Resources,
  output: OutputStore,
  byUser: Map<string, Set<ClientConnection>>,
  socket: WebSocket,
  request: FastifyRequest,
) {
  const userId = principalOf(request).user_id;
  const connection: ClientConnection = {
    user_id: userId,
    subscriptions: new Map(),
    send(message) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    },
    close(code, reason) {
      socket.close(code, reason);
    },
  };
  let set = byUser.get(userId);
  if (!set) {
    set = new Set();
    byUser.set(userId, set);
  }
  set.add(connection);
  socket.on("close", () => {
    const current = byUser.get(userId);
    current?.delete(connection);
    if (current?.size === 0) byUser.delete(userId);
  });
  socket.on("error", () => {});

  socket.on("message", (raw) => {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString());
    } catch {
      connection.send(envelope("error", { message: "invalid JSON" }));
      return;
    }
    const parsed = ClientToServer.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      connection.send(envelope("error", { message: `invalid message: ${issue?.path.join(".")}: ${issue?.message}` }));
      return;
    }
    const message = parsed.data;
    if (message.type === "ping") connection.send(envelope("pong", {}, message.id));
    else if (message.type === "unsubscribe") connection.subscriptions.delete(message.data.task_id);
    else void subscribeToTask(message.data.task_id, message.id);
  });

  async function subscribeToTask(taskId: string, requestId: string): Promise<void> {
    const task = await findTaskOfUser(resources.db, userId, taskId);
    if (!task) {
      connection.send(envelope("error", { message: `task ${taskId} not found` }, requestId));
      return;
    }
    if (connection.subscriptions.has(taskId)) return;
    // Hold live chunks while the backlog goes out, then send only those the backlog did not contain.
    const held: Output[] = [];
    connection.subscriptions.set(taskId, held);
    const backlog = await output.backlog(taskId);
    const sent = new Set<string>();
    for (const chunk of backlog) {
      sent.add(`${chunk.attempt}:${chunk.seq}`);
      connection.send(envelope("task.output", chunk));
    }
    if (!connection.subscriptions.has(taskId)) return; // unsubscribed meanwhile
    connection.subscriptions.set(taskId, null);
    for (const chunk of held) {
      if (!sent.has(`${chunk.attempt}:${chunk.seq}`)) connection.send(envelope("task.output", chunk));
    }
  }
}
