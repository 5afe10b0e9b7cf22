import { IdParam, Problem, Task, TaskComplete, TaskFail, TaskProgress, TaskStart } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireUser, WORKER_ROUTE } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { toTaskViewOf } from "../tasks/view.ts";
import * as queue from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem, 409: Problem };
/** A result may carry a long output; it is the one body allowed past the usual limit. */
const RESULT_BODY_LIMIT = 12 * 1024 * 1024;

/**
 * `/api/v1/tasks/{id}/start|progress|complete|fail`: a worker reporting on the attempt it claimed. Each
 * needs the attempt's token; a superseded token gets 409, so a late report never overwrites a newer attempt.
 */
export function workerReportRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    const user = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user_id;
    // The view (with its provenance names) only for these REST answers: the socket's reports need none.
    const view = (row: Parameters<typeof toTaskViewOf>[1]) => toTaskViewOf(resources.db, row, resources.clock.now());

    app.post(
      "/:id/start",
      {
        config: WORKER_ROUTE,
        schema: {
          tags: ["worker"],
          summary: "The worker started the attempt (assigned → running)",
          params: IdParam,
          body: TaskStart,
          response: { 200: Task, ...errors },
        },
      },
      async (request) =>
        view(await queue.startTask(resources, user(request), request.params.id, request.body.attempt_token)),
    );

    app.post(
      "/:id/progress",
      {
        config: WORKER_ROUTE,
        schema: {
          tags: ["worker"],
          summary: "Progress of the attempt; renews its lease",
          params: IdParam,
          body: TaskProgress,
          response: { 200: Task, ...errors },
        },
      },
      async (request) => view(await queue.reportProgress(resources, user(request), request.params.id, request.body)),
    );

    app.post(
      "/:id/complete",
      {
        config: WORKER_ROUTE,
        bodyLimit: RESULT_BODY_LIMIT,
        schema: {
          tags: ["worker"],
          summary: "The attempt finished: store its result",
          params: IdParam,
          body: TaskComplete,
          response: { 200: Task, ...errors },
        },
      },
      async (request) => view(await queue.completeTask(resources, user(request), request.params.id, request.body)),
    );

    app.post(
      "/:id/fail",
      {
        config: WORKER_ROUTE,
        schema: {
          tags: ["worker"],
          summary: "The attempt failed: retried after a backoff while attempts remain, else failed",
          params: IdParam,
          body: TaskFail,
          response: { 200: Task, ...errors },
        },
      },
      async (request) => view(await queue.failTask(resources, user(request), request.params.id, request.body)),
    );
  };
}
