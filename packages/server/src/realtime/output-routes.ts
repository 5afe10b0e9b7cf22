// `POST /api/v1/tasks/{id}/output`: live output from a worker that has no WebSocket (pull mode). The
// chunks join the same store and live feed as those sent over a socket.
import { IdParam, Problem, StoredOutputChunk, TaskOutput } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser, WORKER_ROUTE } from "../auth/authenticate.ts";
import { NotFoundError } from "../errors.ts";
import { refuse } from "../queue/service.ts";
import type { Resources } from "../resources.ts";
import { findTaskOfUser } from "../tasks/queries.ts";
import type { OutputStore } from "./output-store.ts";
import { findCurrentAttempt } from "./queries.ts";

/** Set on the answer once the attempt's output passed `outputLimitBytes`: the value is that limit. */
export const OUTPUT_TRUNCATED_HEADER = "garageswarm-output-truncated";

export function outputRoutes(resources: Resources, output: OutputStore): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/tasks/:id/output",
      {
        onRequest: requireUser(resources),
        schema: {
          tags: ["tasks"],
          summary: "A task's stored output, every attempt in order (the backlog the live feed starts with)",
          params: IdParam,
          response: { 200: z.array(StoredOutputChunk), 400: Problem, 401: Problem, 404: Problem },
        },
      },
      async (request) => {
        const task = await findTaskOfUser(resources.db, principalOf(request).user_id, request.params.id);
        if (!task) throw new NotFoundError("task not found");
        const chunks = await output.backlog(task.task_id);
        return chunks.map(({ attempt, seq, stream, chunk }) => ({ attempt, seq, stream, chunk }));
      },
    );

    app.post(
      "/api/v1/tasks/:id/output",
      {
        config: WORKER_ROUTE,
        onRequest: requireUser(resources),
        schema: {
          tags: ["worker"],
          summary: "Live output of the attempt (for workers without a WebSocket)",
          params: IdParam,
          body: TaskOutput,
          response: { 204: z.null().describe("Stored"), 400: Problem, 401: Problem, 404: Problem, 409: Problem },
        },
      },
      async (request, reply) => {
        const principalId = principalOf(request).user_id;
        const { id } = request.params;
        const attempt = await findCurrentAttempt(resources.db, id, request.body.attempt_token, {
          ownerId: principalId,
        });
        if (!attempt) return refuse(resources, principalId, id, request.body.attempt_token);
        let kept = true;
        for (const chunk of request.body.chunks) {
          kept = output.append({ task_id: id, user_id: attempt.user_id, attempt: attempt.attempt, ...chunk }) && kept;
        }
        // Past the attempt's output limit the rest is dropped, not refused: the worker need not stop the tool.
        if (!kept) reply.header(OUTPUT_TRUNCATED_HEADER, String(resources.config.outputLimitBytes));
        return reply.status(204).send(null);
      },
    );
  };
}
