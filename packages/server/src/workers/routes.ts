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
  WorkerOffer,
  WorkerRegister,
  WorkerRegistered,
  WorkerShare,
  WorkerShareAnswer,
  WorkerShareParams,
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser, WORKER_ROUTE } from "../auth/authenticate.ts";
import { pullTask } from "../queue/service.ts";
import { createWakeups } from "../queue/wakeups.ts";
import type { Resources } from "../resources.ts";
import * as workers from "./service.ts";
import * as sharing from "./sharing.ts";

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
          summary: "The workers you may see (yours and those whose share you accepted)",
          response: { 200: z.object({ items: z.array(Worker), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({ items: await workers.listWorkers(resources, user(request)), next_cursor: null }),
    );

    app.post(
      "/register",
      {
        config: WORKER_ROUTE,
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
      "/offers",
      {
        schema: {
          tags: ["workers"],
          summary: "Workers offered to you, waiting for you to accept or decline (nothing of yours runs on them yet)",
          response: { 200: z.object({ items: z.array(WorkerOffer), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({ items: await sharing.listOffers(resources, user(request)), next_cursor: null }),
    );

    app.get(
      "/:id",
      {
        config: WORKER_ROUTE,
        schema: { tags: ["workers"], summary: "Get a worker", params: IdParam, response: { 200: Worker, ...errors } },
      },
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
        config: WORKER_ROUTE,
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
        config: WORKER_ROUTE,
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
          summary: "Who may use the worker, and how: members who accepted (pending offers are not listed)",
          params: IdParam,
          response: { 200: members, ...errors },
        },
      },
      async (request) => ({
        items: await sharing.listMembers(resources, user(request), request.params.id),
        next_cursor: null,
      }),
    );

    app.post(
      "/:id/share",
      {
        schema: {
          tags: ["workers"],
          summary:
            "Offer a user a role on the worker (owner only): 202 `offered` until they accept, whether or not the " +
            "user exists; 200 `accepted` when an accepted member's role was narrowed in place",
          params: IdParam,
          body: WorkerShare,
          response: { 200: WorkerShareAnswer, 202: WorkerShareAnswer, ...errors },
        },
      },
      async (request, reply) => {
        const answer = await sharing.shareWorker(
          resources,
          user(request),
          request.params.id,
          request.body,
          meta(request),
        );
        return reply.status(answer.status === "offered" ? 202 : 200).send(answer);
      },
    );

    app.post(
      "/:id/share/accept",
      {
        schema: {
          tags: ["workers"],
          summary: "Accept the worker's offer to you: from now on it may run your tasks (per the role offered)",
          params: IdParam,
          response: { 200: Worker, ...errors },
        },
      },
      async (request) => sharing.acceptShare(resources, user(request), request.params.id, meta(request)),
    );

    app.post(
      "/:id/share/decline",
      {
        schema: {
          tags: ["workers"],
          summary: "Decline the worker's offer to you",
          params: IdParam,
          response: { 204: z.null().describe("Declined"), ...errors },
        },
      },
      async (request, reply) => {
        await sharing.declineShare(resources, user(request), request.params.id, meta(request));
        return reply.status(204).send(null);
      },
    );

    app.delete(
      "/:id/share/:user_id",
      {
        schema: {
          tags: ["workers"],
          summary:
            "End a share: the owner removes a member or withdraws an offer (204 either way), or a member removes " +
            "themselves. The member's tasks the worker holds go back to the queue",
          params: WorkerShareParams,
          response: { 204: z.null().describe("Removed"), ...errors },
        },
      },
      async (request, reply) => {
        await sharing.unshareWorker(resources, user(request), request.params.id, request.params.user_id, meta(request));
        return reply.status(204).send(null);
      },
    );
  };
}
