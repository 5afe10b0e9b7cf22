// `/api/v1/admin`: user administration and invites, for administrators only (403 for anyone else).
import { AdminUserCreate, IdParam, Invite, InviteCreate, InviteCreated, Problem, User } from "@garageswarm/protocol";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireAdmin, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import * as admin from "./service.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export function adminRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    // Both before the body is read: an anonymous or non-admin caller never gets a body parsed.
    app.addHook("onRequest", requireUser(resources));
    app.addHook("onRequest", requireAdmin);
    const meta = (request: FastifyRequest) => ({ ip: request.ip });
    const tags = ["admin"];

    app.get(
      "/users",
      { schema: { tags, summary: "Every user", response: { 200: z.object({ items: z.array(User) }), ...errors } } },
      async () => ({ items: await admin.listUsers(resources) }),
    );

    app.post(
      "/users",
      {
        schema: {
          tags,
          summary: "Create a user directly (whatever the registration setting)",
          body: AdminUserCreate,
          response: { 201: User, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await admin.createUser(resources, principalOf(request), request.body, meta(request))),
    );

    for (const [action, active] of [
      ["disable", false],
      ["enable", true],
    ] as const) {
      app.post(
        `/users/:id/${action}`,
        {
          schema: {
            tags,
            summary: active
              ? "Re-enable a user: their API keys work again; they sign in anew"
              : "Disable a user at once: sessions, API keys and sockets stop working, their workers go offline",
            params: IdParam,
            response: { 200: User, ...errors },
          },
        },
        async (request) =>
          admin.setUserActive(resources, principalOf(request), request.params.id, active, meta(request)),
      );
    }

    app.get(
      "/invites",
      {
        schema: {
          tags,
          summary: "Invites, newest first (their tokens are never shown again)",
          response: { 200: z.object({ items: z.array(Invite) }), ...errors },
        },
      },
      async () => ({ items: await admin.listInvites(resources) }),
    );

    app.post(
      "/invites",
      {
        schema: {
          tags,
          summary: "Create a single-use invite; its `token` (for `/register?invite=…`) is shown only in this answer",
          body: InviteCreate,
          response: { 201: InviteCreated, ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await admin.createInvite(resources, principalOf(request), request.body, meta(request))),
    );

    app.delete(
      "/invites/:id",
      {
        schema: {
          tags,
          summary: "Revoke an unused invite",
          params: IdParam,
          response: { 204: z.null().describe("Revoked"), ...errors },
        },
      },
      async (request, reply) => {
        await admin.revokeInvite(resources, principalOf(request), request.params.id, meta(request));
        return reply.status(204).send(null);
      },
    );
  };
}
