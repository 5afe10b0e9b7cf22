// Which store errors mean "unreachable" (503, an outage for the reaper) and which are the query's own fault.
// The errors are made by the real drivers: a refused connection, a closed PGlite, a statement that is wrong.

import { once } from "node:events";
import { createServer } from "node:net";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { isStoreUnavailable } from "./unavailable.ts";

async function refusedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  await once(server, "close");
  return typeof address === "object" && address ? address.port : 1;
}

async function errorOf(action: () => Promise<unknown>): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error("expected the action to fail");
}

describe("isStoreUnavailable", () => {
  it("is true for a PostgreSQL that refuses connections, through a pool as the server uses it", async () => {
    const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await refusedPort()}/x` });
    pool.on("error", () => {});
    try {
      expect(isStoreUnavailable(await errorOf(() => pool.query("select 1")))).toBe(true);
    } finally {
      await pool.end();
    }
  });

  it("is true for a closed PGlite, also when drizzle wraps the driver's error", async () => {
    const client = new PGlite();
    await client.waitReady;
    const db = drizzle(client);
    await client.close();
    expect(isStoreUnavailable(await errorOf(() => client.query("select 1")))).toBe(true);
    expect(isStoreUnavailable(await errorOf(() => db.execute(sql`select 1`)))).toBe(true);
  });

  it("is false for a statement that is wrong, and for errors that are not the store's", async () => {
    const client = new PGlite();
    await client.waitReady;
    try {
      const db = drizzle(client);
      expect(isStoreUnavailable(await errorOf(() => db.execute(sql`select * from no_such_table`)))).toBe(false);
      expect(isStoreUnavailable(await errorOf(() => db.execute(sql`select 1/0`)))).toBe(false);
    } finally {
      await client.close();
    }
    expect(isStoreUnavailable(new Error("boom"))).toBe(false);
    expect(isStoreUnavailable("not an error")).toBe(false);
  });

  it("reads the SQLSTATE of a server that is shutting down or lost the connection", () => {
    const withCode = (code: string) => Object.assign(new Error("from the server"), { code });
    expect(isStoreUnavailable(withCode("57P01"))).toBe(true); // admin_shutdown
    expect(isStoreUnavailable(withCode("08006"))).toBe(true); // connection_failure
    expect(isStoreUnavailable(withCode("23505"))).toBe(false); // unique_violation
    expect(isStoreUnavailable(new Error("wrapped", { cause: withCode("57P03") }))).toBe(true);
    expect(isStoreUnavailable(new Error("Connection terminated unexpectedly"))).toBe(true);
  });
});
