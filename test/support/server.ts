// Starts a real server on a free port over a fresh database of the stack under test.
import { randomBytes } from "node:crypto";
import type { RunningServer, StartOptions } from "@garageswarm/server";
import { loadServerConfig, openStore, type ServerConfig, type Store, startServer } from "@garageswarm/server";
import pg from "pg";
import { inject } from "vitest";
import { testPostgresUrl, testRedisUrl, testStack, withDatabase } from "./env.ts";

export interface TestDatabase {
  readonly store: Store;
  /** Set on the postgres stack: lets a test open a second replica on the same database. */
  readonly databaseUrl?: string;
  close(): Promise<void>;
}

/** A fresh, migrated database: in-memory PGlite, or a clone of this run's PostgreSQL template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testStack === "embedded") {
    const store = await openStore({});
    return { store, close: () => store.close() };
  }
  const run = inject("pgRun");
  if (!run) throw new Error(`postgres stack unavailable: ${inject("pgUnavailableReason")}`);
  const name = `${run.prefix}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${run.template}"`);
  } finally {
    await admin.end();
  }
  const databaseUrl = withDatabase(testPostgresUrl, name);
  const store = await openStore({ databaseUrl });
  return { store, databaseUrl, close: () => store.close() };
}

/** True when this file's tests should skip: the postgres stack is unreachable outside CI. */
export function postgresStackMissing(): boolean {
  return testStack === "postgres" && inject("pgRun") === null;
}

export interface TestServer extends RunningServer {
  readonly database: TestDatabase;
  /** Redis key/channel prefix of this server; a second replica must use the same one. */
  readonly redisPrefix: string;
}

export async function startTestServer(
  settings: Partial<ServerConfig> = {},
  options: StartOptions & { database?: TestDatabase; redisPrefix?: string } = {},
): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const redisPrefix = options.redisPrefix ?? `gs-test-${randomBytes(4).toString("hex")}:`;
  const config = loadServerConfig(
    {
      host: "127.0.0.1",
      port: 0,
      logLevel: "silent",
      localWorker: false,
      // Tests make their users through the real register route; the invite and closed modes have tests of their own.
      registration: "open",
      ...(testStack === "postgres" ? { redisUrl: testRedisUrl, redisPrefix } : {}),
      ...settings,
    },
    {},
  );
  // terminal: a test server's notices go nowhere, so its admin password needs no file (in the repo's data dir).
  const server = await startServer(config, { terminal: true, ...options, store: database.store });
  return {
    ...server,
    database,
    redisPrefix,
    close: async () => {
      await server.close();
      if (!options.database) await database.close();
    },
  };
}

/** A second replica of `server` (postgres stack): its own store on the same database, the same Redis prefix. */
export async function startReplica(
  server: TestServer,
  settings: Partial<ServerConfig> = {},
  options: StartOptions = {},
): Promise<TestServer> {
  const { databaseUrl } = server.database;
  if (!databaseUrl) throw new Error("a second replica needs the postgres stack");
  const store = await openStore({ databaseUrl });
  const database = { store, databaseUrl, close: () => store.close() };
  const replica = await startTestServer(settings, { ...options, database, redisPrefix: server.redisPrefix });
  return {
    ...replica,
    close: async () => {
      await replica.close();
      await database.close();
    },
  };
}
