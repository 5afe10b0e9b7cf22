// Prepared statements on the hot path: do they pay here? Times the same statements sent as they are today
// and prepared, on PGlite (in memory) and on a fresh PostgreSQL database, one connection, one at a time.
//
//   npx tsx bench/prepared.ts [ITERATIONS]          default 3000
//
// - "select by id, drizzle": `db.select().from(tasks).where(eq(task_id, …))` built per call, against
//   the same query `.prepare()`d once with `sql.placeholder` (the drizzle API; on PGlite it only saves
//   building the SQL, on node-postgres it also names the statement so PostgreSQL parses and plans it once
//   per connection).
// - the claim, the one-row complete and the batched complete of queue/: the SQL text the server sends,
//   over pg directly, unnamed (as drizzle's `db.execute` sends it) against named (a server-side prepared
//   statement). PostgreSQL only: PGlite has no named statements.
// Ids are random, so every statement finds nothing and changes nothing: what is timed is the round trip,
// the parse and the plan, which is what preparing can save.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { openStore, type Store } from "@garageswarm/server";
import { eq, type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { tasks } from "../packages/server/src/db/schema.ts";
import type { Db } from "../packages/server/src/db/store.ts";
import { completeAttempts } from "../packages/server/src/queue/batched.ts";
import { claimTask } from "../packages/server/src/queue/transitions/claim.ts";
import { completeAttempt } from "../packages/server/src/queue/transitions/report.ts";
import { postgresUnavailable, withFreshDatabase } from "./support/stores.ts";

const iterations = Number(process.argv[2] ?? 3000);

/**
 * Times two ways of sending a statement, alternating in rounds of 100 so that a shared machine's load drifts
 * over both alike; prints µs per statement of each.
 */
async function compare(label: string, ways: Array<[string, () => Promise<unknown>]>): Promise<void> {
  const spent = ways.map(() => 0);
  for (const [, run] of ways) for (let i = 0; i < 100; i++) await run();
  for (let round = 0; round < iterations / 100; round++) {
    for (const [index, [, run]] of ways.entries()) {
      const started = performance.now();
      for (let i = 0; i < 100; i++) await run();
      spent[index]! += performance.now() - started;
    }
  }
  for (const [index, [way]] of ways.entries()) {
    const perCall = ((spent[index] as number) * 1000) / iterations;
    console.log(`${`${label}, ${way}`.padEnd(58)} ${perCall.toFixed(0).padStart(6)} µs/statement`);
  }
}

async function drizzleSelect(kind: string, store: Store): Promise<void> {
  const db = store.db;
  const prepared = db
    .select()
    .from(tasks)
    .where(eq(tasks.task_id, sql.placeholder("id")))
    .prepare("bench_select_task");
  await compare(`${kind}: select by id, drizzle`, [
    ["built per call", () => db.select().from(tasks).where(eq(tasks.task_id, randomUUID()))],
    [".prepare()d", () => prepared.execute({ id: randomUUID() })],
  ]);
}

/** The SQL a query function sends (through `db.execute`, or prepared through the session), without sending it. */
async function statementOf(send: (db: Db) => Promise<unknown>): Promise<{ sql: string; params: unknown[] }> {
  let captured: { sql: string; params: unknown[] } | undefined;
  const recorder = {
    execute: async (statement: SQL) => {
      captured = new PgDialect().sqlToQuery(statement);
      return { rows: [] };
    },
    _: {
      session: {
        prepareQuery: (query: { sql: string; params: unknown[] }) => ({
          execute: async () => {
            captured = query;
            return { rows: [] };
          },
        }),
      },
    },
  } as unknown as Db;
  await send(recorder);
  return captured!;
}

async function rawStatements(url: string): Promise<void> {
  const now = new Date();
  const fence = () => ({ taskId: randomUUID(), attemptToken: randomUUID(), principalId: randomUUID(), now });
  const statements: Array<[string, () => Promise<{ sql: string; params: unknown[] }>]> = [
    [
      "claim",
      () =>
        statementOf((db) =>
          claimTask(db, {
            workerId: randomUUID(),
            principalId: randomUUID(),
            now,
            leaseExpiresAt: now,
            attemptToken: randomUUID(),
          }),
        ),
    ],
    ["complete, one row", () => statementOf((db) => completeAttempt(db, { ...fence(), result: { output: "ok" } }))],
    [
      "complete, batch of 1",
      () => statementOf((db) => completeAttempts(db, [{ ...fence(), result: { output: "ok" } }])),
    ],
    [
      "complete, batch of 10",
      () =>
        statementOf((db) =>
          completeAttempts(
            db,
            Array.from({ length: 10 }, () => ({ ...fence(), result: { output: "ok" } })),
          ),
        ),
    ],
  ];
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [label, build] of statements) {
      await compare(`postgres: ${label}`, [
        [
          "unnamed",
          async () => {
            const { sql: text, params } = await build();
            return client.query(text, params);
          },
        ],
        [
          "named (prepared)",
          async () => {
            const { sql: text, params } = await build();
            return client.query({ name: `bench_${label.replace(/\W+/g, "_")}`, text, values: params });
          },
        ],
      ]);
    }
  } finally {
    await client.end();
  }
}

console.log(
  `prepared statements: ${iterations} calls each (after 100 to warm up), alternating in rounds of 100, one connection`,
);
const pglite = await openStore({});
try {
  await drizzleSelect("pglite", pglite);
} finally {
  await pglite.close();
}
const unavailable = await postgresUnavailable();
if (unavailable) console.log(`postgres skipped: ${unavailable}`);
else {
  await withFreshDatabase("gs_bench_prepared", async (url) => {
    const store = await openStore({ databaseUrl: url, poolSize: 1 });
    try {
      await drizzleSelect("postgres", store);
    } finally {
      await store.close();
    }
    await rawStatements(url);
  });
}
