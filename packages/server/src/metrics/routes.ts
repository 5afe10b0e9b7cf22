// Prometheus metrics at /metrics. One registry per app, so several servers in one process (tests,
// benchmarks) never share counters.

import { sql } from "drizzle-orm";
import fp from "fastify-plugin";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { selectRows } from "../db/store.ts";
import type { Resources } from "../resources.ts";

export function metricsRoutes(resources: Resources): FastifyPluginAsyncZod {
  // fastify-plugin: the timing hook must see every route of the app, not just this plugin's.
  return fp(async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    const requestDuration = new Histogram({
      name: "garageswarm_http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30],
      registers: [registry],
    });
    app.addHook("onResponse", async (request, reply) => {
      requestDuration.observe(
        { method: request.method, route: request.routeOptions.url ?? "unmatched", status: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    // Read at scrape time from the store: the numbers are the same whichever replica is scraped.
    new Gauge({
      name: "garageswarm_tasks",
      help: "Tasks by status",
      labelNames: ["status"],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await selectRows<{ status: string; n: number }>(
          resources.db,
          sql`select status, count(*)::int as n from tasks group by status`,
        );
        for (const row of rows) this.set({ status: row.status }, row.n);
      },
    });
    new Gauge({
      name: "garageswarm_workers",
      help: "Workers by status",
      labelNames: ["status"],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await selectRows<{ status: string; n: number }>(
          resources.db,
          sql`select status, count(*)::int as n from workers group by status`,
        );
        for (const row of rows) this.set({ status: row.status }, row.n);
      },
    });

    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  });
}
