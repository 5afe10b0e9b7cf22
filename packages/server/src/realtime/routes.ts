// The realtime layer of one replica: worker and client sockets and live output. The dispatcher (built in
// server.ts) holds the worker connections; the worker sockets report to it.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { subscribe } from "../bus/channels.ts";
import type { Dispatcher } from "../dispatch/index.ts";
import type { Resources } from "../resources.ts";
import { clientSocketRoutes } from "./client-socket.ts";
import { outputRoutes } from "./output-routes.ts";
import { createOutputStore } from "./output-store.ts";
import { removeSpillFiles, sweepOrphanSpillFiles } from "./spill-files.ts";
import { workerSocketRoutes } from "./worker-socket.ts";

const SWEEP_INTERVAL_MS = 15 * 60 * 1000;
const ENDED = new Set(["completed", "failed", "cancelled", "timed_out"]);

export function realtimeRoutes(resources: Resources, dispatcher: Dispatcher): FastifyPluginAsyncZod {
  return async (app) => {
    const output = createOutputStore(resources);
    const sweep = () =>
      sweepOrphanSpillFiles(resources).catch((error) => resources.log.warn({ err: error }, "spill file sweep failed"));
    const unsubscribeDeleted = await subscribe(resources.bus, "tasks.deleted", ({ task_ids }) => {
      if (!task_ids) return void sweep();
      output.forget(task_ids);
      void removeSpillFiles(resources.config.dataDir, task_ids).catch(() => {});
    });
    // An ended task's output counters are not needed any more (a late chunk reads them back).
    const unsubscribeEnded = await subscribe(resources.bus, "task.updated", ({ task_id, status }) => {
      if (ENDED.has(status)) output.forget([task_id]);
    });
    // Files of tasks deleted while this replica was down, or whose hint was lost: at start, then now and then.
    void sweep();
    const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
    sweeper.unref();
    app.addHook("onClose", async () => {
      clearInterval(sweeper);
      await unsubscribeDeleted();
      await unsubscribeEnded();
      for (const connection of dispatcher.connections.all()) connection.close(1001, "server shutting down");
      await output.close();
    });
    await app.register(workerSocketRoutes(resources, dispatcher, output));
    await app.register(clientSocketRoutes(resources, output));
    await app.register(outputRoutes(resources, output));
  };
}
