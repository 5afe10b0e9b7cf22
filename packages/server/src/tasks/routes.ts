import {
  IdParam,
  Problem,
  Task,
  TaskAttempt,
  TaskCreateBody,
  TaskListPage,
  TaskListQuery,
  TaskPatch,
} from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import * as tasks from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem, 409: Problem };

/** `/api/v1/tasks`: a user's own tasks. The worker's reports on them are in queue/routes.ts. */
export function taskRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));

    app.get(
      "/",
      {
        schema: {
          tags: ["tasks"],
          summary: "List your tasks (newest first unless sorted), filtered, with the total that match",
          querystring: TaskListQuery,
          response: { 200: TaskListPage, ...errors },
        },
      },
      async (request) => tasks.listTasks(resources, principalOf(request).user_id, request.query),
    );

    app.post(
      "/",
      {
        schema: {
          tags: ["tasks"],
          summary: "Create a task, or an array of up to 1000 (all or none, answered in order); queued at once",
          body: TaskCreateBody,
          response: { 201: z.union([Task, z.array(Task)]), ...errors },
        },
      },
      async (request, reply) => {
        const userId = principalOf(request).user_id;
        const body = request.body;
        const created = Array.isArray(body)
          ? await tasks.createTasks(resources, userId, body)
          : await tasks.createTask(resources, userId, body);
        return reply.status(201).send(created);
      },
    );

    app.get(
      "/:id",
      { schema: { tags: ["tasks"], summary: "Get a task", params: IdParam, response: { 200: Task, ...errors } } },
      async (request) => tasks.getTask(resources, principalOf(request).user_id, request.params.id),
    );

    app.get(
      "/:id/attempts",
      {
        schema: {
          tags: ["tasks"],
          summary: "A task's attempts, oldest first: worker, start, end, outcome and who cancelled",
          params: IdParam,
          response: { 200: z.array(TaskAttempt), ...errors },
        },
      },
      async (request) => tasks.listAttempts(resources, principalOf(request).user_id, request.params.id),
    );

    // PUT answers as PATCH does (only the fields given change): clients written against the API table of
    // the first design call PUT.
    for (const method of ["PATCH", "PUT"] as const) {
      app.route({
        method,
        url: "/:id",
        schema: {
          tags: ["tasks"],
          summary:
            method === "PATCH"
              ? "Change priority, description or requirements (409 while a worker holds the task)"
              : "The same as PATCH: change the fields given (409 while a worker holds the task)",
          params: IdParam,
          body: TaskPatch,
          response: { 200: Task, ...errors },
        },
        handler: async (request) =>
          tasks.patchTask(resources, principalOf(request).user_id, request.params.id, request.body),
      });
    }

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["tasks"],
          summary: "Delete a task with its events (409 while a worker holds it: cancel first)",
          params: IdParam,
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await tasks.deleteTask(resources, principalOf(request).user_id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/:id/cancel",
      {
        schema: {
          tags: ["tasks"],
          summary: "Cancel a task; a worker holding it is told to stop",
          params: IdParam,
          response: { 200: Task, ...errors },
        },
      },
      async (request) => tasks.cancelTask(resources, principalOf(request).user_id, request.params.id),
    );
  };
}
