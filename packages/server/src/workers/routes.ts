import {
  ClaimedTask,
  Heartbeat,
  HeartbeatAnswer,
  IdParam,
  Problem,
  PullQuery,
  Worker,
  WorkerDrain,
  WorkerMember,
  WorkerRegister,
  WorkerRegistered,
  WorkerShare,
  WorkerShareParams,
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import { pullTask } from "../queue/service.ts";
import { createWakeups } from "../queue/wakeups.ts";
import type { Resources } from "../resources.ts";
import * as workers from "./service.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
const members = z.object({ items: z.array(WorkerMember), next_cursor: z.null() });

/** `/api/v1/workers`: registering and running a worker, and sharing it with other users. */
export function workerRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    const wakeups = await createWakeups(resources.bus);
    app.addHook("onClose", () => wakeups.close());
    app.addHook("onRequest", requireUser(resources));
    const user = (request: FastifyRequest) => principalOf(request).user_id;
    const meta = (request: FastifyRequest) => ({ ip: request.ip });

    app.get(
      "/",
      {
        schema: {
          tags: ["workers"],
          summary: "The workers you may see (yours and those shared with you)",
          response: { 200: z.object({ items: z.array(Worker), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({ items: await workers.listWorkers(resources, user(request)), next_cursor: null }),
    );

    app.post(
      "/register",
      {
        schema: {
          tags: ["workers"],
          summary: "Register this machine as your worker (201), or update it when its machine_id is known (200)",
          body: WorkerRegister,
          response: { 200: WorkerRegistered, 201: WorkerRegistered, ...errors },
        },
      },
      async (request, reply) => {
        const { worker, created } = await workers.registerWorker(resources, user(request), request.body, meta(request));
        return reply.status(created ? 201 : 200).send(worker);
      },
    );

    app.get(
      "/:id",
      { schema: { tags: ["workers"], summary: "Get a worker", params: IdParam, response: { 200: Worker, ...errors } } },
      async (request) => workers.getWorker(resources, user(request), request.params.id),
    );

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["workers"],
          summary: "Delete a worker (owner only); tasks it held are re-queued",
          params: IdParam,
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await workers.deleteWorker(resources, user(request), request.params.id, meta(request));
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/:id/heartbeat",
      {
        schema: {
          tags: ["worker"],
          summary: "The worker is alive: resources, held tasks (leases renewed); answers the tasks to stop",
          params: IdParam,
          body: Heartbeat,
          response: { 200: HeartbeatAnswer, ...errors },
        },
      },
      async (request) => workers.recordHeartbeat(resources, user(request), request.params.id, request.body),
    );

    app.get(
      "/:id/pull-task",
      {
        schema: {
          tags: ["worker"],
          summary: "Claim the best task this worker may run (200), or 204 after waiting up to `wait` seconds",
          params: IdParam,
          querystring: PullQuery,
          response: { 200: ClaimedTask, 204: z.null().describe("Nothing to run"), ...errors },
        },
      },
      async (request, reply) => {
        // A client that hangs up stops the wait, so no task is claimed for a connection that is gone.
        const gone = new AbortController();
        reply.raw.once("close", () => gone.abort());
        const task = await pullTask(
          resources,
          wakeups,
          user(request),
          request.params.id,
          request.query.wait,
          gone.signal,
        );
        return task ? reply.status(200).send(task) : reply.status(204).send(null);
      },
    );

    app.post(
      "/:id/drain",
      {
        schema: {
          tags: ["workers"],
          summary: "Stop giving the worker new tasks (`{draining: false}` resumes); owner or operator",
          params: IdParam,
          body: WorkerDrain,
          response: { 200: Worker, ...errors },
        },
      },
      async (request) =>
        workers.setDraining(resources, user(request), request.params.id, request.body?.draining ?? true),
    );

    app.get(
      "/:id/share",
      {
        schema: {
          tags: ["workers"],
          summary: "Who may use the worker, and how",
          params: IdParam,
          response: { 200: members, ...errors },
        },
      },
      async (request) => ({
        items: await workers.listMembers(resources, user(request), request.params.id),
        next_cursor: null,
      }),
    );

    app.post(
      "/:id/share",
      {
        schema: {
          tags: ["workers"],
          summary: "Give a user a role on the worker (owner only)",
          params: IdParam,
          body: WorkerShare,
          response: { 200: members, ...errors },
        },
      },
      async (request) => ({
        items: await workers.shareWorker(resources, user(request), request.params.id, request.body, meta(request)),
        next_cursor: null,
      }),
    );

    app.delete(
      "/:id/share/:user_id",
      {
        schema: {
          tags: ["workers"],
          summary: "Take a user's access away (owner only)",
          params: WorkerShareParams,
          response: { 204: z.null().describe("Removed"), ...errors },
        },
      },
      async (request, reply) => {
        await workers.unshareWorker(resources, user(request), request.params.id, request.params.user_id, meta(request));
        return reply.status(204).send(null);
      },
    );
  };
}
