import { Problem } from "@garageswarm/protocol";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { sendProblem } from "../http/problem.ts";
import type { Resources } from "../resources.ts";

/** Readiness answers within this even when the store hangs (a stopped PostgreSQL accepts and never replies). */
const READY_TIMEOUT_MS = 2000;

const Health = z.object({ status: z.literal("ok"), store: z.string().optional(), bus: z.string().optional() });

export function healthRoutes({ store, bus }: Resources): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/health",
      { schema: { tags: ["health"], summary: "Liveness", security: [], response: { 200: Health } } },
      async () => ({ status: "ok" as const }),
    );
    app.get(
      "/health/ready",
      {
        schema: {
          tags: ["health"],
          summary: "Readiness: the store answers",
          security: [],
          response: { 200: Health, 503: Problem },
        },
      },
      async (_request, reply) => {
        try {
          await withinTime(store.ping(), READY_TIMEOUT_MS);
        } catch (error) {
          return sendProblem(reply, { status: 503, detail: `store unreachable: ${(error as Error).message}` });
        }
        return { status: "ok" as const, store: store.kind, bus: bus.kind };
      },
    );
  };
}

function withinTime(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
