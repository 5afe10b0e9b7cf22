// Opens the store and bus, builds the app, listens, and starts the background parts.
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { buildApp } from "./app.ts";
import { ensureFirstAdmin } from "./auth/first-admin.ts";
import { loadJwtSecret } from "./auth/jwt-secret.ts";
import { type Bus, createMemoryBus, createRedisBus } from "./bus/bus.ts";
import { type Clock, systemClock, systemTimers, type Timers } from "./clock.ts";
import type { ServerConfig } from "./config.ts";
import { ensurePrivateDir } from "./data-dir.ts";
import { openStore, type Store } from "./db/store.ts";
import { createDispatcher, type Dispatcher } from "./dispatch/index.ts";
import { createPushNotifier } from "./push/notifier.ts";
import { loadVapidKeys } from "./push/vapid-keys.ts";
import { createReportCommits } from "./queue/group-commit.ts";
import { createReaper, type Reaper } from "./queue/reaper.ts";
import { WorkerConnections } from "./realtime/worker-connections.ts";
import type { Resources } from "./resources.ts";
import { createScheduler, type Scheduler } from "./workflows/cron/scheduler.ts";
import { type Advancer, createAdvancer } from "./workflows/runs/advancer.ts";

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly resources: Resources;
  /** Lines for the operator, printed once at start (e.g. the first admin's password). */
  readonly notices: string[];
  /** The lease reaper, running on an interval; tests call `runOnce(now)` with their own clock. */
  readonly reaper: Reaper;
  /** The workflow advancer; tests call `runOnce(now)` to step runs with their own clock. */
  readonly advancer: Advancer;
  /** The cron scheduler; tests call `runOnce(now)`. */
  readonly scheduler: Scheduler;
  /** Push dispatch to the workers connected here; tests reach its offers and call `sweep(now)`. */
  readonly dispatcher: Dispatcher;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Use this store instead of opening one from the config (tests share one per file). */
  store?: Store;
  bus?: Bus;
  clock?: Clock;
  /** Timers on the clock's time (a test's manual port); the system's by default. */
  timers?: Timers;
  log?: Logger;
  /** The notices go to an interactive terminal (a TTY): a generated admin password may be shown in them. */
  terminal?: boolean;
}

/** How long in-flight requests may run on after close() before their connections are cut. */
const drainGraceMs = 5_000;

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? pino({ level: config.logLevel });
  // A store passed in (tests) leaves the data dir alone; otherwise it is made private before anything lands in it.
  if (!options.store) await ensurePrivateDir(config.dataDir);
  const store =
    options.store ?? (await openStore({ databaseUrl: config.databaseUrl, dataDir: join(config.dataDir, "db") }));
  const bus =
    options.bus ??
    (config.redisUrl ? await createRedisBus(config.redisUrl, config.redisPrefix, log) : createMemoryBus());
  const jwtSecret = await loadJwtSecret(store.db, config.jwtSecret);
  const vapidKeys = await loadVapidKeys(store.db);
  const clock = options.clock ?? systemClock;
  const resources: Resources = {
    config,
    store,
    db: store.db,
    bus,
    clock,
    timers: options.timers ?? systemTimers,
    log,
    jwtSecret,
    vapidKeys,
    push: createPushNotifier({ db: store.db, clock, log, config, vapidKeys }),
    reports: createReportCommits(store.db, log),
  };

  const notices = await ensureFirstAdmin(resources, { terminal: options.terminal });
  const dispatcher = createDispatcher(resources, new WorkerConnections());
  await dispatcher.start();
  const app = await buildApp(resources, dispatcher);
  const reaper = createReaper(resources);
  const advancer = createAdvancer(resources);
  const scheduler = createScheduler(resources);
  // Before listening: the restart grace stretches held leases before any worker can report.
  await reaper.start();
  await app.listen({ host: config.host, port: config.port });
  await advancer.start();
  scheduler.start();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;

  let closed = false;
  return {
    url: `http://${shownHost}:${port}`,
    app,
    resources,
    notices,
    reaper,
    advancer,
    scheduler,
    dispatcher,
    close: async () => {
      if (closed) return;
      closed = true;
      await scheduler.stop();
      await advancer.stop();
      await reaper.stop();
      // In-flight requests get a moment to finish; then every connection still open (keep-alive, a
      // half-sent request, a socket that ignored its close frame) is cut, or close() would wait on it forever.
      const cut = setTimeout(() => app.server.closeAllConnections(), drainGraceMs);
      cut.unref();
      await app.close();
      clearTimeout(cut);
      await dispatcher.close();
      await resources.push.settled();
      if (!options.bus) await bus.close();
      if (!options.store) await store.close();
    },
  };
}
