import { IdParam, Problem, page, SavedRepo, SavedRepoCreate, SavedRepoPatch } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import * as repos from "./service.ts";

const errors = { 400: Problem, 401: Problem, 404: Problem, 409: Problem };

/** `/api/v1/repos`: the repositories a user saved for code tasks. */
export function savedRepoRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    const userOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).user_id;

    app.get(
      "/",
      {
        schema: {
          tags: ["repos"],
          summary: "Your saved repositories, by name",
          response: { 200: page(SavedRepo), ...errors },
        },
      },
      async (request) => ({ items: await repos.listSavedRepos(resources, userOf(request)), next_cursor: null }),
    );

    app.post(
      "/",
      {
        schema: {
          tags: ["repos"],
          summary: "Save a repository (URL without credentials: workers use their own)",
          body: SavedRepoCreate,
          response: { 201: SavedRepo, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await repos.createSavedRepo(resources, userOf(request), request.body)),
    );

    app.get(
      "/:id",
      {
        schema: {
          tags: ["repos"],
          summary: "A saved repository",
          params: IdParam,
          response: { 200: SavedRepo, ...errors },
        },
      },
      async (request) => repos.getSavedRepo(resources, userOf(request), request.params.id),
    );

    app.patch(
      "/:id",
      {
        schema: {
          tags: ["repos"],
          summary: "Change a saved repository (null clears an optional field)",
          params: IdParam,
          body: SavedRepoPatch,
          response: { 200: SavedRepo, ...errors },
        },
      },
      async (request) => repos.updateSavedRepo(resources, userOf(request), request.params.id, request.body),
    );

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["repos"],
          summary: "Forget a saved repository (tasks that used it keep their copy)",
          params: IdParam,
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await repos.deleteSavedRepo(resources, userOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}
