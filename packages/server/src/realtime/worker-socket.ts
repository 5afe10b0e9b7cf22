// `/ws/worker/{worker_id}`: a worker's live link. Authenticated by the owner's API key (Authorization
// header) before the upgrade. The worker says `hello`, the server answers `welcome`, then pushes
// `task.assign` / `task.cancel` / `worker.drain`; every worker message gets an `ack` with its id, where
// `error: "stale"` means the attempt was fenced off and the report changed nothing.
import { randomUUID } from "node:crypto";
import { type ServerToWorker, WorkerToServer } from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { WebSocket } from "ws";
import { z } from "zod";
import {
  authenticateCredential,
  authorizeScope,
  bearerCredential,
  principalOf,
  WORKER_ROUTE,
} from "../auth/authenticate.ts";
import { redeemWsTicket } from "../auth/ws-tickets.ts";
import { subscribe } from "../bus/channels.ts";
import { isStoreUnavailable } from "../db/unavailable.ts";
import type { Dispatcher } from "../dispatch/index.ts";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  StaleTokenError,
  UnauthorizedError,
} from "../errors.ts";
import * as queue from "../queue/service.ts";
import type { Resources } from "../resources.ts";
import { findWorkerForUser } from "../workers/queries.ts";
import * as workersService from "../workers/service.ts";
import { greetWorker } from "./greeting.ts";
import type { OutputStore } from "./output-store.ts";
import { findCurrentAttempt, markWorkerStopped } from "./queries.ts";
import { LocalCapacity, type WorkerConnection } from "./worker-connections.ts";

const SERVER_VERSION = "0.1.0";
const HELLO_TIMEOUT_MS = 10_000;

/**
 * Authenticates a WebSocket upgrade: `Authorization: Bearer …`, or (where headers cannot be set, i.e. a
 * browser) a single-use `?ticket=` from `POST /api/v1/auth/ws-ticket`. Never a token in the URL: URLs are logged.
 */
export function socketAuthenticator(resources: Resources, { tickets = false } = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    const credential = bearerCredential(request);
    if (credential) {
      request.principal = authorizeScope(request, await authenticateCredential(resources, credential));
      return;
    }
    const ticket = new URLSearchParams(request.url.split("?")[1] ?? "").get("ticket");
    if (tickets && ticket) {
      request.principal = authorizeScope(request, await redeemWsTicket(resources, ticket));
      return;
    }
    throw new UnauthorizedError(`missing credentials (Authorization header${tickets ? " or ?ticket=" : ""})`);
  };
}

export function workerSocketRoutes(
  resources: Resources,
  dispatcher: Dispatcher,
  output: OutputStore,
): FastifyPluginAsyncZod {
  const { connections } = dispatcher;
  return async (app) => {
    const unsubscribeCancel = await subscribe(resources.bus, "task.cancel", (message) => {
      connections
        .get(message.worker_id)
        ?.send(envelope("task.cancel", { task_id: message.task_id, reason: message.reason }));
    });
    // A disabled user's workers are cut off at once, on whichever replica holds their socket.
    const unsubscribeDisabled = await subscribe(resources.bus, "user.disabled", (message) => {
      for (const connection of connections.all()) {
        if (connection.user_id === message.user_id) connection.close(4403, "user disabled");
      }
    });
    const unsubscribeWorker = await subscribe(resources.bus, "worker.updated", (message) => {
      const connection = connections.get(message.worker_id);
      if (!connection) return;
      if (message.status === "deleted") connection.close(4404, "worker deleted");
      else if (message.draining) connection.send(envelope("worker.drain", {}));
    });
    app.addHook("onClose", async () => {
      await unsubscribeCancel();
      await unsubscribeWorker();
      await unsubscribeDisabled();
    });

    app.get(
      "/ws/worker/:worker_id",
      {
        websocket: true,
        config: WORKER_ROUTE,
        onRequest: socketAuthenticator(resources),
        preHandler: async (request) => {
          const { worker_id } = request.params as { worker_id: string };
          const worker = await findWorkerForUser(resources.db, principalOf(request).user_id, worker_id);
          if (!worker) throw new NotFoundError("worker not found");
          if (worker.role !== "owner") throw new ForbiddenError("only the worker's owner key may connect as it");
        },
        schema: {
          hide: true,
          params: z.object({ worker_id: z.uuid() }),
        },
      },
      (socket, request) => {
        handleWorkerSocket(resources, dispatcher, output, socket, request);
      },
    );
  };
}

const WORKER_GOING_AWAY = 1001;

async function workerStopped(resources: Resources, workerId: string): Promise<void> {
  const row = await markWorkerStopped(resources.db, workerId, resources.clock.now());
  if (row) await workersService.publishWorkerUpdated(resources, row);
}

function envelope<T extends ServerToWorker["type"]>(
  type: T,
  data: Extract<ServerToWorker, { type: T }>["data"],
  id: string = randomUUID(),
): ServerToWorker {
  return { type, id, ts: new Date().toISOString(), data } as ServerToWorker;
}

function handleWorkerSocket(
  resources: Resources,
  dispatcher: Dispatcher,
  output: OutputStore,
  socket: WebSocket,
  request: FastifyRequest,
) {
  const { log, config, db } = resources;
  const { connections } = dispatcher;
  const principal = principalOf(request);
  const { worker_id } = request.params as { worker_id: string };
  const connection: WorkerConnection = {
    worker_id,
    user_id: principal.user_id,
    capacity: new LocalCapacity(),
    send(message) {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    },
    close(code, reason) {
      closedByServer = true;
      socket.close(code, reason);
    },
  };
  let greeted = false;
  // The server's own closes (shutdown, replaced, deleted) say nothing about whether the worker is stopping.
  let closedByServer = false;
  // Attempts whose token was checked: output chunks are the hot path and skip the lookup.
  const attempts = new Map<string, { task_id: string; user_id: string; attempt: number }>();
  const forgetAttempt = (taskId: string) => {
    for (const key of attempts.keys()) if (key.startsWith(`${taskId}:`)) attempts.delete(key);
  };
  const helloTimer = setTimeout(() => {
    if (!greeted) socket.close(4408, "expected hello");
  }, HELLO_TIMEOUT_MS);

  // Messages are handled one at a time, in order: output before completion, accept before progress.
  let chain: Promise<void> = Promise.resolve();
  socket.on("message", (raw) => {
    chain = chain
      .then(() => handle(raw.toString()))
      .catch((error) => log.warn({ err: error }, "worker message failed"));
  });
  socket.on("close", (code) => {
    clearTimeout(helloTimer);
    const current = connections.get(worker_id) === connection;
    connections.remove(connection);
    // 1001 "going away" from the worker: it is stopping cleanly, so it is offline now, not in three heartbeats.
    if (code === WORKER_GOING_AWAY && greeted && current && !closedByServer) {
      void workerStopped(resources, worker_id).catch((error) =>
        log.warn({ err: error }, "marking a stopped worker offline failed"),
      );
    }
  });
  socket.on("error", () => {});

  const ack = (id: string, ok: boolean, error?: string) =>
    connection.send(envelope("ack", error === undefined ? { ok } : { ok, error }, id));

  async function handle(text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      connection.send(envelope("ack", { ok: false, error: "invalid JSON" }));
      return;
    }
    const parsed = WorkerToServer.safeParse(json);
    if (!parsed.success) {
      const id = typeof (json as { id?: unknown })?.id === "string" ? (json as { id: string }).id : randomUUID();
      const issue = parsed.error.issues[0];
      ack(id, false, `invalid message: ${issue?.path.join(".") || "message"}: ${issue?.message ?? "invalid"}`);
      return;
    }
    const message = parsed.data;
    if (message.type !== "hello" && !greeted) {
      ack(message.id, false, "say hello first");
      return;
    }
    try {
      await dispatchMessage(message);
    } catch (error) {
      // Fenced off, gone, or already finished: the worker drops that task's reports.
      if (error instanceof StaleTokenError || error instanceof NotFoundError || error instanceof ConflictError) {
        ack(message.id, false, "stale");
      } else if (error instanceof DomainError) ack(message.id, false, error.message);
      // The store is down (the reaper logs the outage): the worker retries a report over REST, which answers
      // 503 until the store is back, and its heartbeats resume on their own. An accept gets no answer:
      // refused, the worker would stop the run; unanswered, it runs on and reports from `assigned`.
      else if (isStoreUnavailable(error) && message.type !== "task.accept") {
        ack(message.id, false, "store unavailable: retry shortly");
      } else throw error;
    }
  }

  const givingBack = (taskId: string, report: () => Promise<void>) =>
    dispatcher.taskGivenBack(connection, taskId, report);

  async function dispatchMessage(message: WorkerToServer): Promise<void> {
    const user = principal.user_id;
    switch (message.type) {
      case "hello": {
        const greeting = await greetWorker(resources, worker_id, message.data);
        if (!greeting) {
          ack(message.id, false, "machine_id does not match this worker; register first");
          socket.close(4409, "machine_id mismatch");
          return;
        }
        greeted = true;
        clearTimeout(helloTimer);
        connections.add(connection);
        connection.send(
          envelope("welcome", {
            worker_id,
            heartbeat_interval_seconds: config.heartbeatIntervalSeconds,
            server_version: SERVER_VERSION,
          }),
        );
        ack(message.id, true);
        for (const taskId of greeting.stop) {
          connection.send(envelope("task.cancel", { task_id: taskId, reason: "no longer assigned to this worker" }));
        }
        const { slots, tools } = message.data;
        await dispatcher.workerConnected(connection, { slots, tools, held: greeting.held });
        return;
      }
      case "heartbeat": {
        const answer = await workersService.recordHeartbeat(resources, user, worker_id, message.data);
        ack(message.id, true);
        dispatcher.heartbeatReceived(connection, {
          running: message.data.running_task_ids,
          released: answer.cancel_task_ids,
          ...(message.data.tools ? { tools: message.data.tools } : {}),
        });
        for (const taskId of answer.cancel_task_ids) {
          connection.send(envelope("task.cancel", { task_id: taskId, reason: "cancelled" }));
        }
        return;
      }
      case "task.accept":
        dispatcher.offerAnswered(message.data.task_id);
        await queue.startTask(resources, user, message.data.task_id, message.data.attempt_token);
        ack(message.id, true);
        return;
      case "task.reject":
        await givingBack(message.data.task_id, async () => {
          await queue.failTask(resources, user, message.data.task_id, {
            attempt_token: message.data.attempt_token,
            error: `rejected by worker: ${message.data.reason}`,
            retryable: true,
          });
          ack(message.id, true);
        });
        return;
      case "task.progress":
        await queue.reportProgress(resources, user, message.data.task_id, message.data);
        ack(message.id, true);
        return;
      case "task.output": {
        const key = `${message.data.task_id}:${message.data.attempt_token}`;
        let task = attempts.get(key);
        if (!task) {
          task = await findCurrentAttempt(db, message.data.task_id, message.data.attempt_token, {
            workerId: worker_id,
          });
          if (!task) throw new StaleTokenError("attempt is not current");
          attempts.set(key, task);
        }
        output.append({
          task_id: task.task_id,
          user_id: task.user_id,
          attempt: task.attempt,
          seq: message.data.seq,
          stream: message.data.stream,
          chunk: message.data.chunk,
        });
        return; // output is fire-and-forget: no ack, to keep the stream cheap
      }
      case "task.complete":
        forgetAttempt(message.data.task_id);
        await givingBack(message.data.task_id, async () => {
          await output.flush(message.data.task_id);
          await queue.completeTask(resources, user, message.data.task_id, message.data);
          ack(message.id, true);
        });
        return;
      case "task.fail":
        forgetAttempt(message.data.task_id);
        await givingBack(message.data.task_id, async () => {
          await output.flush(message.data.task_id);
          const { task_id: _task, ...report } = message.data;
          await queue.failTask(resources, user, message.data.task_id, report);
          ack(message.id, true);
        });
        return;
    }
  }
}
