// Builds the HTTP app from resources. No listening and no background jobs here: see server.ts.

import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type RawServerDefault } from "fastify";
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { adminRoutes } from "./admin/routes.ts";
import { authRoutes } from "./auth/routes.ts";
import { createRedisClient } from "./bus/redis-client.ts";
import { codeReviewRoutes } from "./code/routes.ts";
import type { Dispatcher } from "./dispatch/index.ts";
import { enrolmentCodeRoutes, enrolRoutes } from "./enrolment/routes.ts";
import { healthRoutes } from "./health/routes.ts";
import { drainUnreadBodies } from "./http/drain.ts";
import { serializeRequest } from "./http/logging.ts";
import { openApiTransform } from "./http/openapi.ts";
import { registerProblemHandlers } from "./http/problem.ts";
import { keyRoutes } from "./keys/routes.ts";
import { metricsRoutes } from "./metrics/routes.ts";
import { pushRoutes } from "./push/routes.ts";
import { workerReportRoutes } from "./queue/routes.ts";
import { realtimeRoutes } from "./realtime/routes.ts";
import { savedRepoRoutes } from "./repos/routes.ts";
import type { Resources } from "./resources.ts";
import { settingsRoutes } from "./settings/routes.ts";
import { taskRoutes } from "./tasks/routes.ts";
import { serverAddressRoutes } from "./web/address-routes.ts";
import { downloadRoutes } from "./web/download-routes.ts";
import { publicOrigin } from "./web/origin.ts";
import { webRoutes } from "./web/routes.ts";
import { workerRoutes } from "./workers/routes.ts";
import { workflowRoutes } from "./workflows/routes.ts";
import { approvalRoutes } from "./workflows/runs/approval-routes.ts";
import { runRoutes, workflowRunRoutes } from "./workflows/runs/routes.ts";

/** The app as every route plugin sees it: zod schemas give the request and reply types. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/**
 * The dashboard and the API docs load only their own scripts. React Flow positions nodes with inline styles,
 * hence `'unsafe-inline'` for styles only; `data:` for the inline favicon and the docs' icons.
 */
const contentSecurityPolicy = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** The vendor APIs the phone worker's tools call from the browser (packages/worker/src/tools). */
const vendorApiOrigins = [
  "https://api.anthropic.com",
  "https://generativelanguage.googleapis.com",
  "https://api.openai.com",
];

/** The page that makes the browser a worker calls the vendors' APIs itself, with keys kept on the device. */
function phoneWorkerPolicy(extraOrigins: readonly string[]): string {
  const directives = {
    ...contentSecurityPolicy,
    connectSrc: [...contentSecurityPolicy.connectSrc, ...vendorApiOrigins, ...extraOrigins],
  };
  return Object.entries(directives)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(" ")}`)
    .join(";");
}

/** How long a WebSocket peer gets to answer the server's close frame before its connection is cut. */
const socketCloseGraceMs = 2_000;

/**
 * On close, every WebSocket (dashboards' feeds, workers) is told the server is going away (1001), so it
 * reconnects; a peer that never answers (a throttled background tab) would hold the process open, so it is cut.
 */
function closeSockets(this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer;
  for (const client of server.clients) client.close(1001, "server shutting down");
  const cut = setTimeout(() => {
    for (const client of server.clients) client.terminate();
  }, socketCloseGraceMs);
  cut.unref();
  server.close(() => clearTimeout(cut));
  done();
}

export async function buildApp(resources: Resources, dispatcher: Dispatcher): Promise<App> {
  const { config } = resources;
  const app = Fastify({
    loggerInstance: resources.log.child({}, { serializers: { req: serializeRequest } }) as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    // Only the listed proxies may say who the client is; otherwise the peer is, so no header moves a
    // request to another rate-limit bucket or audit IP.
    trustProxy: config.trustProxy.length > 0 ? config.trustProxy : false,
    // Per-request lines only when debugging: at info a busy swarm would log every heartbeat.
    logController: new LogController({
      disableRequestLogging: config.logLevel !== "debug" && config.logLevel !== "trace",
    }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerProblemHandlers(app);
  drainUnreadBodies(app);

  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy } });
  // With several replicas the counters must be shared, or each replica would allow the full rate.
  // While Redis is down a limited route fails at once (503, http/problem.ts) instead of waiting on reconnects:
  // failing open would lift the login limits exactly when the limiter cannot see.
  const rateLimitRedis = config.redisUrl
    ? createRedisClient(
        config.redisUrl,
        { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 2000 },
        resources.log,
        "rate limits",
      )
    : undefined;
  if (rateLimitRedis) {
    await rateLimitRedis.connect();
    app.addHook("onClose", async () => rateLimitRedis.disconnect());
  }
  await app.register(rateLimit, {
    global: false,
    ...(rateLimitRedis ? { redis: rateLimitRedis, nameSpace: `${config.redisPrefix}rate-limit:` } : {}),
  });
  await app.register(websocket, { options: { maxPayload: 1_048_576 }, preClose: closeSockets });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "GarageSwarm API",
        version: "0.1.0",
        description: "Run a swarm of AI agents on your own machines: tasks, workers, workflows and runs.",
      },
      // The address is the one the docs were fetched from (swaggerUi below); this is the default install's.
      servers: [
        {
          url: "{origin}",
          description: "your GarageSwarm server",
          variables: { origin: { default: "http://localhost:8000", description: "its address and port" } },
        },
      ],
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      },
      security: [{ bearer: [] }],
    },
    transform: openApiTransform,
  });
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    transformSpecification: (document, request) => ({
      ...document,
      servers: [{ url: publicOrigin(request, config), description: "this server" }],
    }),
  });

  app.decorateRequest("principal", null);

  await app.register(metricsRoutes(resources));
  await app.register(healthRoutes(resources));
  await app.register(authRoutes(resources), { prefix: "/api/v1/auth" });
  await app.register(adminRoutes(resources), { prefix: "/api/v1/admin" });
  await app.register(keyRoutes(resources), { prefix: "/api/v1/keys" });
  await app.register(taskRoutes(resources), { prefix: "/api/v1/tasks" });
  await app.register(workerReportRoutes(resources), { prefix: "/api/v1/tasks" });
  await app.register(codeReviewRoutes(resources), { prefix: "/api/v1/tasks" });
  await app.register(savedRepoRoutes(resources), { prefix: "/api/v1/repos" });
  await app.register(workerRoutes(resources), { prefix: "/api/v1/workers" });
  await app.register(workflowRoutes(resources), { prefix: "/api/v1/workflows" });
  await app.register(workflowRunRoutes(resources), { prefix: "/api/v1/workflows" });
  await app.register(runRoutes(resources), { prefix: "/api/v1/runs" });
  await app.register(approvalRoutes(resources), { prefix: "/api/v1/approvals" });
  await app.register(settingsRoutes(resources), { prefix: "/api/v1/settings" });
  await app.register(pushRoutes(resources), { prefix: "/api/v1/push" });
  await app.register(enrolmentCodeRoutes(resources), { prefix: "/api/v1/enrolment-codes" });
  await app.register(enrolRoutes(resources), { prefix: "/api/v1/enrol" });
  await app.register(serverAddressRoutes(resources), { prefix: "/api/v1/server-addresses" });
  await app.register(downloadRoutes(config));
  await app.register(realtimeRoutes(resources, dispatcher));
  // The dashboard's catch-all GET; every more specific route wins over it, whatever the order.
  await app.register(webRoutes(undefined, { "/phone": phoneWorkerPolicy(config.phoneWorkerOrigins) }));
  return app;
}
