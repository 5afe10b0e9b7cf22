// One interface over the two stores: embedded PGlite (default) and PostgreSQL (DATABASE_URL).
// Both speak the same SQL and use the same Drizzle schema, migrations and queries.
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { ensurePrivateDirSync, restrictTree } from "../data-dir.ts";
import * as schema from "./schema.ts";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** A transaction handle; every query module accepts `Db` so it runs inside or outside one. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface Store {
  readonly kind: "pglite" | "postgres";
  readonly db: Db;
  /** Throws when the store cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL("../../migrations", import.meta.url));

// Any constant works; it only has to be the same for every replica of this app.
const MIGRATION_LOCK_KEY = 7_340_214_553;

export interface OpenStoreOptions {
  /** postgres://… to use PostgreSQL; otherwise PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; omitted means in memory. */
  dataDir?: string | undefined;
  poolSize?: number;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolSize ?? 20) : openPglite(options.dataDir);
}

async function openPglite(dataDir: string | undefined): Promise<Store> {
  if (dataDir) ensurePrivateDirSync(dataDir);
  const client = dataDir ? new PGlite(dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  // PGlite is a single connection inside this process: no other replica can race the migration.
  await migratePglite(db as never, { migrationsFolder });
  // PGlite's own files come out 0666/0644 whatever the umask (data-dir.ts); the ones PostgreSQL creates
  // while running (relations, WAL segments) are 0600 already. Swept again at close for good measure.
  if (dataDir) await restrictTree(dataDir);
  return {
    kind: "pglite",
    db,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      await client.close();
      if (dataDir) await restrictTree(dataDir);
    },
  };
}

async function openPostgres(url: string, poolSize: number): Promise<Store> {
  await migratePostgres(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize });
  // An idle client losing its connection must not crash the server; the next query reconnects.
  pool.on("error", () => {});
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  return {
    kind: "postgres",
    db,
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

/** Runs pending migrations under an advisory lock, so replicas starting together migrate once. */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    await migratePg(drizzlePg(client), { migrationsFolder });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {});
    await client.end();
  }
}

/** A timestamp parameter: the one way statements pass instants (ISO text, cast, so both drivers agree). */
export const ts = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;

/** A uuid[] parameter from a list of ids (an empty list is an empty array). */
export const uuidArray = (ids: readonly string[]): SQL => sql`${`{${ids.join(",")}}`}::uuid[]`;

/** Runs raw SQL and returns its rows; both drivers answer `{ rows }`. */
export async function selectRows<Row>(db: Db, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}
