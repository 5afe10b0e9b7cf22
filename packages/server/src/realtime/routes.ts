// The realtime layer of one replica: worker and client sockets, live output, push dispatch.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { Resources } from "../resources.ts";
import { clientSocketRoutes } from "./client-socket.ts";
import { createDispatcher } from "./dispatcher.ts";
import { outputRoutes } from "./output-routes.ts";
import { createOutputStore } from "./output-store.ts";
import { WorkerConnections } from "./worker-connections.ts";
import { workerSocketRoutes } from "./worker-socket.ts";

export function realtimeRoutes(resources: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    const connections = new WorkerConnections();
    const output = createOutputStore(resources);
    const dispatcher = await createDispatcher(resources, connections);
    app.addHook("onClose", async () => {
      for (const connection of connections.all()) connection.close(1001, "server shutting down");
      await dispatcher.close();
      await output.close();
    });
    await app.register(workerSocketRoutes(resources, connections, dispatcher, output));
    await app.register(clientSocketRoutes(resources, output));
    await app.register(outputRoutes(resources, output));
  };
}
