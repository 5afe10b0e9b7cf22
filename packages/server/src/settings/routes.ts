import { AllocatorSettings, AllocatorSettingsView, Problem } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { principalOf, requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { changeAllocatorSettings, readAllocatorSettings } from "./allocator.ts";

const errors = { 400: Problem, 401: Problem, 403: Problem };

/** `/api/v1/settings`: server-wide settings; anyone signed in may read them, only admins change them. */
export function settingsRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));

    app.get(
      "/allocator",
      {
        schema: {
          tags: ["settings"],
          summary: "The allocator's score weights and resource thresholds",
          response: { 200: AllocatorSettingsView, ...errors },
        },
      },
      () => readAllocatorSettings(resources),
    );

    app.put(
      "/allocator",
      {
        schema: {
          tags: ["settings"],
          summary: "Change the allocator's score weights and resource thresholds (admins only)",
          body: AllocatorSettings,
          response: { 200: AllocatorSettingsView, ...errors },
        },
      },
      (request) => changeAllocatorSettings(resources, principalOf(request), request.body, { ip: request.ip }),
    );
  };
}
