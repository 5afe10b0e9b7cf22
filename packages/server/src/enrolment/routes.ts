import {
  EnrolmentCode,
  EnrolmentCodeCreate,
  EnrolmentCodeCreated,
  EnrolRequest,
  EnrolResult,
  IdParam,
  Problem,
} from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { installCommands, publicOrigin } from "../web/origin.ts";
import { createEnrolmentCode, deleteEnrolmentCode, enrol, listEnrolmentCodes, type Requester } from "./service.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

function requesterOf(request: FastifyRequest): Requester {
  const principal = principalOf(request);
  return { user_id: principal.user_id, key_id: principal.key_id, ip: request.ip };
}

/** `/api/v1/enrolment-codes`: a person's session or a `full` key (no `scopes` config: worker keys get 403). */
export function enrolmentCodeRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));

    app.post(
      "/",
      {
        schema: {
          tags: ["enrolment"],
          summary:
            "Create a pairing code (10 minutes, single use) and the one-line installers that enrol a machine with it; the code is shown only in this answer",
          body: EnrolmentCodeCreate,
          response: { 201: EnrolmentCodeCreated, ...errors },
        },
      },
      async (request, reply) => {
        const origin = publicOrigin(request, resources.config);
        const created = await createEnrolmentCode(resources, requesterOf(request), request.body, (code) =>
          installCommands(origin, code),
        );
        return reply.status(201).header("cache-control", "no-store").send(created);
      },
    );

    app.get(
      "/",
      {
        schema: {
          tags: ["enrolment"],
          summary: "List your open pairing codes (never their text)",
          response: { 200: z.object({ items: z.array(EnrolmentCode), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({
        items: await listEnrolmentCodes(resources, principalOf(request).user_id),
        next_cursor: null,
      }),
    );

    app.delete(
      "/:id",
      {
        schema: {
          tags: ["enrolment"],
          summary: "Delete an open pairing code, so it can no longer be used",
          params: IdParam,
          response: { 204: z.null().describe("Deleted"), ...errors },
        },
      },
      async (request, reply) => {
        await deleteEnrolmentCode(resources, requesterOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  };
}

/** `POST /api/v1/enrol`: unauthenticated, the code is the credential; limited per client like sign-in. */
export function enrolRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/",
      {
        config: { rateLimit: { max: resources.config.authRateLimitPerMinute, timeWindow: "1 minute" } },
        schema: {
          tags: ["enrolment"],
          summary:
            "Exchange a pairing code, once, for a new `worker` API key of the code's owner (shown only in this answer)",
          security: [],
          body: EnrolRequest,
          response: { 201: EnrolResult, 400: Problem, 429: Problem },
        },
      },
      async (request, reply) => {
        const result = await enrol(resources, request.body, { ip: request.ip });
        return reply.status(201).header("cache-control", "no-store").send(result);
      },
    );
  };
}
