// Prometheus metrics at /metrics. One registry per app, so several servers in one process (tests,
// benchmarks) never share counters.

import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { sql } from "drizzle-orm";
import type { FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { bearerCredential } from "../auth/authenticate.ts";
import { selectRows } from "../db/store.ts";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
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

    // Counted by the bus of this replica (bus/bus.ts): hints it could not send while Redis was down or backed up.
    new Counter({
      name: "garageswarm_bus_messages_dropped_total",
      help: "Bus messages (hints between replicas) dropped because the bus was down or backed up",
      registers: [registry],
      collect() {
        this.reset();
        this.inc(resources.bus.droppedMessages);
      },
    });

    app.get("/metrics", { schema: { hide: true }, onRequest: metricsAccess(resources) }, async (_request, reply) => {
      reply.type(registry.contentType);
      return registry.metrics();
    });
  });
}

/**
 * Who may scrape: with `metricsToken` set, a caller presenting it as a bearer token; without one, only a
 * caller on this machine. A request a proxy forwarded is never local, whatever address the proxy has.
 */
function metricsAccess(resources: Resources) {
  const expected = resources.config.metricsToken ? digest(resources.config.metricsToken) : null;
  return async (request: FastifyRequest): Promise<void> => {
    if (expected) {
      const presented = bearerCredential(request);
      if (presented && timingSafeEqual(digest(presented), expected)) return;
      throw new UnauthorizedError("/metrics needs Authorization: Bearer <the metrics token>");
    }
    const forwarded = request.headers["x-forwarded-for"] !== undefined || request.headers.forwarded !== undefined;
    if (!forwarded && isLoopback(request.ip)) return;
    throw new ForbiddenError(
      "/metrics answers only to this machine (loopback); set GARAGESWARM_METRICS_TOKEN to scrape it from elsewhere with Authorization: Bearer <token>",
    );
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

function isLoopback(ip: string): boolean {
  if (ip === "::1") return true;
  const v4 = ip.startsWith("::ffff:") ? ip.slice(7) : ip;
  return isIP(v4) === 4 && v4.startsWith("127.");
}
