import { ApiKey, ApiKeyCreate, ApiKeyCreated, IdParam, Problem } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "./service.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem };

export function keyRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    // No `scopes` in these routes' config: only a person's session or a `full` key manages keys.
    app.addHook("onRequest", requireUser(resources));

    app.post(
      "/",
      {
        schema: {
          tags: ["keys"],
          summary:
            "Create an API key (`scope`: `full` when omitted, `worker` for a worker machine); the secret (`key`) is shown only in this answer",
          body: ApiKeyCreate,
          response: { 201: ApiKeyCreated, ...errors },
        },
      },
      async (request, reply) => {
        const principal = principalOf(request);
        const created = await createApiKey(
          resources,
          principal.user_id,
          { ...request.body, created_by_key_id: principal.key_id ?? null },
          { ip: request.ip },
        );
        return reply.status(201).send(created);
      },
    );

    app.get(
      "/",
      {
        schema: {
          tags: ["keys"],
          summary: "List API keys (never their secrets)",
          response: { 200: z.object({ items: z.array(ApiKey), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({ items: await listApiKeys(resources, principalOf(request).user_id), next_cursor: null }),
    );

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["keys"],
          summary: "Revoke an API key and every key created with it",
          params: IdParam,
          response: { 204: z.null().describe("Revoked"), ...errors },
        },
      },
      async (request, reply) => {
        await revokeApiKey(resources, principalOf(request).user_id, request.params.id, { ip: request.ip });
        return reply.status(204).send(null);
      },
    );
  };
}
