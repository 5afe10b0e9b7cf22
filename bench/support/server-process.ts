// Child-process entry: one GarageSwarm server on 127.0.0.1, so the benchmark can read the server's own
// RSS apart from the simulated workers'. Store from env: BENCH_DATABASE_URL (PostgreSQL) or PGlite in
// BENCH_PGLITE_DIR (a data dir, so a second server process can open what the first one set up).
// IPC: sends {type:"ready", url}; answers {type:"memory"} with the memory after a GC, {type:"statements"}
// with the SQL statements sent so far (PostgreSQL only: counted at pg.Client.query); {type:"stop"} closes.
import { readFileSync } from "node:fs";
import { loadServerConfig, openStore, startServer } from "@garageswarm/server";
import pg from "pg";

// Every statement the server sends to PostgreSQL goes through pg.Client.query (the pool's clients too),
// counted by its first words so a run can say which statements a task costs.
const statements = new Map<string, number>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  const first = args[0] as string | { text?: string } | undefined;
  const text = typeof first === "string" ? first : (first?.text ?? "");
  const label = labels.get(text) ?? labelOf(text);
  statements.set(label, (statements.get(label) ?? 0) + 1);
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;
// The same few statement texts come back thousands of times: label each once (the counting must not
// cost the server measurable CPU).
const labels = new Map<string, string>();
function labelOf(text: string): string {
  const label = text.slice(0, 400).replace(/\s+/g, " ").trim().slice(0, 90);
  if (labels.size < 10_000) labels.set(text, label);
  return label;
}

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const dataDir = process.env.BENCH_PGLITE_DIR || undefined;
const store = await openStore(databaseUrl ? { databaseUrl } : { dataDir });
const server = await startServer(
  loadServerConfig(
    {
      host: "127.0.0.1",
      port: 0,
      logLevel: "warn",
      localWorker: false,
      authRateLimitPerMinute: 10_000,
      registration: "open",
    },
    {},
  ),
  { store },
);

type Request = { type: "memory" } | { type: "statements" } | { type: "stop" };

process.on("message", async (request: Request) => {
  if (request.type === "memory") {
    // GC, let V8 hand freed pages back (it does so lazily), GC again: otherwise garbage from the set-up
    // before the first reading outweighs the sockets measured by the second.
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ type: "memory", rss, anonymous: anonymousRss(), heapUsed });
  } else if (request.type === "statements") {
    process.send?.({ type: "statements", counts: Object.fromEntries(statements) });
  } else if (request.type === "stop") {
    await server.close();
    await store.close();
    process.exit(0);
  }
});
/** Linux: resident anonymous memory (RssAnon), which leaves out code and files the kernel may drop and map again. */
function anonymousRss(): number | null {
  try {
    const match = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// Orphaned (the benchmark died): stop rather than linger.
process.on("disconnect", () => process.exit(0));
process.send?.({ type: "ready", url: server.url });
