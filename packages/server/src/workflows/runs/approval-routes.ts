// The approvals inbox over HTTP: nodes waiting for the user's decision across all their runs.
import { PendingApproval, Problem } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { principalOf, requireUser } from "../../auth/authenticate.ts";
import type { Resources } from "../../resources.ts";
import { listPendingApprovals } from "./details.ts";

/** Under /api/v1/approvals. */
export function approvalRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    app.get(
      "",
      {
        schema: {
          tags: ["runs"],
          summary: "Nodes waiting for your approval in your active runs, oldest first",
          response: { 200: z.object({ items: z.array(PendingApproval) }), 401: Problem },
        },
      },
      async (request) => listPendingApprovals(resources, principalOf(request).user_id),
    );
  };
}
