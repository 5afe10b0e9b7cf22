import { Problem, ServerAddresses } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { requireUser } from "../auth/authenticate.ts";
import type { Resources } from "../resources.ts";
import { serverAddresses } from "./addresses.ts";
import { publicOrigin } from "./origin.ts";

/** `/api/v1/server-addresses`: a signed-in person's (or full key's) view of where workers can reach this server. */
export function serverAddressRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook("onRequest", requireUser(resources));
    app.get(
      "/",
      {
        schema: {
          tags: ["enrolment"],
          summary:
            "Where other machines can reach this server: the address used now, whether it is loopback, and the server's network addresses",
          response: { 200: ServerAddresses, 401: Problem, 403: Problem },
        },
      },
      async (request) => {
        const address = app.server.address();
        const port = typeof address === "object" && address ? address.port : resources.config.port;
        return serverAddresses(publicOrigin(request, resources.config), resources.config.host, port);
      },
    );
  };
}
