import { IdParam, Problem, PushDevice, PushSubscriptionCreate, VapidPublicKey } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { addDevice, listDevices, removeDevice } from "./service.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };

export function pushRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    // No `scopes` in these routes' config: a person's session or a `full` key, never a worker key.
    app.addHook("onRequest", requireUser(resources));

    app.get(
      "/vapid-public-key",
      {
        schema: {
          tags: ["push"],
          summary: "The server's VAPID public key: the `applicationServerKey` a browser subscribes with",
          response: { 200: VapidPublicKey, ...errors },
        },
      },
      async () => ({ public_key: resources.vapidKeys.public_key }),
    );

    app.post(
      "/subscriptions",
      {
        schema: {
          tags: ["push"],
          summary:
            "Send this device the user's notifications: the browser's `PushSubscription.toJSON()`, with an optional `label`",
          body: PushSubscriptionCreate,
          response: { 201: PushDevice, ...errors },
        },
      },
      async (request, reply) => {
        const device = await addDevice(resources, principalOf(request).user_id, request.body, {
          ip: request.ip,
          userAgent: request.headers["user-agent"],
        });
        return reply.status(201).send(device);
      },
    );

    app.get(
      "/subscriptions",
      {
        schema: {
          tags: ["push"],
          summary: "The devices that get the user's notifications",
          response: { 200: z.object({ items: z.array(PushDevice), next_cursor: z.null() }), ...errors },
        },
      },
      async (request) => ({ items: await listDevices(resources, principalOf(request).user_id), next_cursor: null }),
    );

    app.delete(
      "/subscriptions/:id",
      {
        schema: {
          tags: ["push"],
          summary: "Stop sending notifications to a device",
          params: IdParam,
          response: { 204: z.null().describe("Removed"), ...errors },
        },
      },
      async (request, reply) => {
        await removeDevice(resources, principalOf(request).user_id, request.params.id, { ip: request.ip });
        return reply.status(204).send(null);
      },
    );
  };
}
