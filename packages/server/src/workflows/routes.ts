// /api/v1/workflows: CRUD of stored workflow definitions. Bodies are validated by the service (validate.ts),
// not by Fastify, so a bad definition is answered with the node or edge at fault rather than a schema path.
import { CursorQuery, IdParam, Problem, page, Workflow, WorkflowCreate, WorkflowUpdate } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import { InvalidInputError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { createWorkflow, deleteWorkflow, getWorkflow, listWorkflows, updateWorkflow } from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem };

export function workflowRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));

    app.post(
      "/",
      {
        // The schema documents the body; attachValidation hands a body that fails it to the service,
        // whose errors say which node or edge is wrong.
        attachValidation: true,
        schema: {
          tags: ["workflows"],
          summary: "Create a workflow",
          body: WorkflowCreate,
          response: { 201: Workflow, ...errors },
        },
      },
      async (request, reply) => {
        const created = await createWorkflow(resources, principalOf(request).user_id, request.body, { ip: request.ip });
        return reply.status(201).send(created);
      },
    );

    app.get(
      "/",
      {
        schema: {
          tags: ["workflows"],
          summary: "List your workflows, newest first",
          querystring: CursorQuery,
          response: { 200: page(Workflow), ...errors },
        },
      },
      async (request) => listWorkflows(resources, principalOf(request).user_id, request.query),
    );

    app.get(
      "/:id",
      {
        schema: {
          tags: ["workflows"],
          summary: "Get a workflow",
          params: IdParam,
          response: { 200: Workflow, ...errors },
        },
      },
      async (request) => getWorkflow(resources, principalOf(request).user_id, request.params.id),
    );

    // PUT answers as PATCH does (only the fields given change): clients written against the API table of
    // the first design call PUT.
    for (const method of ["PATCH", "PUT"] as const) {
      app.route({
        method,
        url: "/:id",
        attachValidation: true,
        schema: {
          tags: ["workflows"],
          summary:
            method === "PATCH"
              ? "Change a workflow; the result is validated as a whole"
              : "The same as PATCH: change the fields given; the result is validated as a whole",
          params: IdParam,
          body: WorkflowUpdate,
          response: { 200: Workflow, ...errors },
        },
        handler: async (request) => {
          // attachValidation covers the params too, so the id is checked here.
          if (!IdParam.safeParse(request.params).success) throw new InvalidInputError("must be a UUID", "path.id");
          return updateWorkflow(resources, principalOf(request).user_id, request.params.id, request.body, {
            ip: request.ip,
          });
        },
      });
    }

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["workflows"],
          summary: "Delete a workflow and its runs",
          params: IdParam,
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await deleteWorkflow(resources, principalOf(request).user_id, request.params.id, { ip: request.ip });
        return reply.status(204).send(null);
      },
    );
  };
}
