// Push-dispatch benchmark: one GarageSwarm server, W simulated workers on real WebSockets (1 slot each,
// a no-op tool: accept, then complete at once), T tasks created over HTTP by a few concurrent producers.
// Each W runs on PGlite (in memory) and on a fresh PostgreSQL database, then the same T no-op jobs are
// drained through graphile-worker (concurrency = W, its own fresh database) as the reference.
//
//   npm run bench:dispatch [-- --workers 10,100,1000 --tasks 2000 --producers 8 --stores pglite,postgres]
//   npm run bench:dispatch -- --quick          smoke run: W = 10,50, T = 200
//   npm run bench:dispatch -- --statements     also list the SQL statements a task costs (PostgreSQL)
//   npm run bench:dispatch -- --bulk 100       also measure each case with tasks created 100 per request
//
// Figures, per case:
// - tasks/s: completed tasks / (first create request sent → last `task.complete` acked by the server).
// - create→assign p50/p99: from the create request being sent to the worker receiving `task.assign`
//   (the worker sends `task.accept` in the same tick). It includes the create round trip, so it never
//   goes negative when the push beats the HTTP response. graphile: add_job call sent → handler started.
// - RSS/worker: the server runs in a child process started fresh on data an earlier process set up;
//   (its resident memory after W workers said hello − before) / W, each read after a forced GC. On Linux
//   the resident figure is RssAnon (heap, WASM, buffers), as plain RSS also counts code pages that come
//   and go. Small W is noise: a fresh server's first connections also warm up code.
// - PGlite runs from a temporary data dir (so the second process sees the first one's set-up).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { type Fleet, machineId, registerFleet } from "./support/fleet.ts";
import { drainWithGraphile, GRAPHILE_DEFAULT_POOL_SIZE } from "./support/graphile.ts";
import { call, inParallel } from "./support/http.ts";
import { type Memory, type StoreLocation, startServerChild } from "./support/server-child.ts";
import { connectWorker, type DispatchLog, type SimulatedWorker } from "./support/sim-worker.ts";
import { latencies, percentile } from "./support/stats.ts";
import { postgresUnavailable, withFreshDatabase, withTemporaryDir } from "./support/stores.ts";
import { settleWithin, sleep } from "./support/time.ts";

const { values: flags } = parseArgs({
  options: {
    workers: { type: "string", default: "10,100,1000" },
    tasks: { type: "string", default: "2000" },
    producers: { type: "string", default: "8" },
    stores: { type: "string", default: "pglite,postgres" },
    "skip-graphile": { type: "boolean", default: false },
    "time-limit": { type: "string", default: "120" },
    quick: { type: "boolean", default: false },
    statements: { type: "boolean", default: false },
    bulk: { type: "string", default: "0" },
  },
});

const MAX_WORKERS = 5_000;
const MAX_TASKS = 100_000;
const workerCounts = (flags.quick ? "10,50" : flags.workers)
  .split(",")
  .map((raw) => bounded(raw, 1, MAX_WORKERS, "--workers"));
const TASKS = flags.quick ? 200 : bounded(flags.tasks, 1, MAX_TASKS, "--tasks");
const PRODUCERS = bounded(flags.producers, 1, 64, "--producers");
/** Tasks per create request of the bulk producer mode (`POST /api/v1/tasks` with an array); 0: no bulk run. */
const BULK = bounded(flags.bulk, 0, 1000, "--bulk");
/** Tasks per create request of each measured mode: one by one always, and in bulk when asked. */
const perRequestModes = BULK > 1 ? [1, BULK] : [1];
/** Each case's drain stops after this, whatever is left; set-up has its own timeouts. */
const CASE_LIMIT_MS = bounded(flags["time-limit"], 5, 1_800, "--time-limit") * 1000;
const stores = flags.stores.split(",").map((store) => {
  if (store !== "pglite" && store !== "postgres") throw new Error(`--stores: unknown store "${store}"`);
  return store;
});
type StoreKind = (typeof stores)[number];
const CONNECT_WIDTH = 50;

function bounded(raw: string, min: number, max: number, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name}: ${raw} is not in ${min}..${max}`);
  return value;
}

const notes: string[] = [];

// Each simulated worker holds one socket here and the server one more in its child: both need W fds.
function fileDescriptorLimit(): number | null {
  if (process.platform === "win32") return null;
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return out === "unlimited" ? null : Number(out);
  } catch {
    return null;
  }
}
const fdLimit = fileDescriptorLimit();
const FD_HEADROOM = 200;
const runnableCounts = workerCounts.map((count) => {
  if (fdLimit === null || count + FD_HEADROOM <= fdLimit) return count;
  const lowered = Math.max(1, fdLimit - FD_HEADROOM);
  notes.push(`W=${count} lowered to ${lowered}: ulimit -n is ${fdLimit} (raise it to run ${count})`);
  return lowered;
});

interface Row {
  label: string;
  workers: number;
  completed: number;
  seconds: number;
  tasksPerSecond: number;
  p50: number;
  p99: number;
  connectSeconds?: number;
  rssPerWorkerKb?: number;
  heapPerWorkerKb?: number;
  ratio?: number;
  statementsPerTask?: number;
}

async function runGarageSwarm(store: StoreKind, workerCount: number, perRequest: number): Promise<Row> {
  const caseName = perRequest === 1 ? store : `${store} bulk ${perRequest}`;
  const measure = async (location: StoreLocation): Promise<Row> => {
    // Set up on one server process, measure on a second one: its RSS before the workers connect is a
    // fresh server's, not one still holding pages from a thousand registrations.
    const setup = await startServerChild(location);
    let fleet: Fleet;
    try {
      fleet = await registerFleet(setup.url, workerCount);
    } finally {
      await setup.stop();
    }
    const server = await startServerChild(location);
    const workers: SimulatedWorker[] = [];
    try {
      const base = server.url;
      const log: DispatchLog = { assigned: new Map(), completed: new Map(), errors: [] };
      const before = await server.memory();
      const connectStart = performance.now();
      await inParallel(workerCount, CONNECT_WIDTH, async (i) => {
        workers.push(await connectWorker(base, fleet.apiKey, fleet.workerIds[i]!, machineId(i), log));
      });
      const connectSeconds = (performance.now() - connectStart) / 1000;
      await sleep(500); // let the hello round (fill attempts on an empty queue) settle
      const after = await server.memory();
      const statementsBefore = await server.statements();

      const sent = new Map<string, number>(); // task_id → create request sent
      let resolveDone: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        resolveDone = resolve;
      });
      log.onComplete = () => {
        if (log.completed.size >= TASKS) resolveDone();
      };
      const begin = performance.now();
      const deadline = begin + CASE_LIMIT_MS;
      const taskBody = (i: number) => ({ description: `bench task ${i}`, tool: "shell" });
      await inParallel(Math.ceil(TASKS / perRequest), PRODUCERS, async (request) => {
        if (performance.now() > deadline) return;
        const at = performance.now();
        if (perRequest === 1) {
          const created = await call<{ task_id: string }>(
            base,
            "POST",
            "/api/v1/tasks",
            fleet.accessToken,
            taskBody(request),
          );
          sent.set(created.body.task_id, at);
          return;
        }
        const first = request * perRequest;
        const bodies = Array.from({ length: Math.min(perRequest, TASKS - first) }, (_, k) => taskBody(first + k));
        const created = await call<Array<{ task_id: string }>>(
          base,
          "POST",
          "/api/v1/tasks",
          fleet.accessToken,
          bodies,
        );
        for (const task of created.body) sent.set(task.task_id, at);
      });
      await settleWithin(done, deadline - performance.now());

      const statementsAfter = await server.statements();
      const spent = statementsSpent(statementsBefore, statementsAfter);
      const statementCount = [...spent.values()].reduce((sum, count) => sum + count, 0);
      if (flags.statements && statementCount > 0) {
        for (const [label, count] of [...spent].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
          notes.push(`${caseName} W=${workerCount} SQL ${(count / log.completed.size).toFixed(2)}/task: ${label}`);
        }
      }
      const finished = [...log.completed.values()];
      const last = finished.length > 0 ? Math.max(...finished) : performance.now();
      const seconds = (last - begin) / 1000;
      const waits = latencies(sent, log.assigned);
      if (log.completed.size < sent.size) {
        notes.push(
          `${caseName} W=${workerCount}: ${sent.size - log.completed.size} of ${sent.size} tasks not done in time`,
        );
      }
      for (const error of distinct(log.errors, 3)) notes.push(`${caseName} W=${workerCount} worker side: ${error}`);
      for (const line of distinct(server.warnings.map(logMessage), 5)) {
        notes.push(`${caseName} W=${workerCount} server log: ${line}`);
      }
      return {
        label: `garageswarm ${caseName}`,
        workers: workerCount,
        completed: log.completed.size,
        seconds,
        tasksPerSecond: log.completed.size / seconds,
        p50: percentile(waits, 50),
        p99: percentile(waits, 99),
        connectSeconds,
        rssPerWorkerKb: (resident(after) - resident(before)) / workerCount / 1024,
        heapPerWorkerKb: (after.heapUsed - before.heapUsed) / workerCount / 1024,
        ...(statementCount > 0 ? { statementsPerTask: statementCount / log.completed.size } : {}),
      };
    } finally {
      for (const worker of workers) worker.close();
      await server.stop();
    }
  };
  return store === "pglite"
    ? withTemporaryDir("gs-bench-pglite-", (pgliteDir) => measure({ pgliteDir }))
    : withFreshDatabase("gs_bench_dispatch", (databaseUrl) => measure({ databaseUrl }));
}

async function runGraphile(workerCount: number): Promise<Row> {
  const figures = await drainWithGraphile(TASKS, workerCount, PRODUCERS, CASE_LIMIT_MS);
  const waits = latencies(figures.added, figures.started);
  for (const line of distinct(figures.warnings, 3)) notes.push(`graphile W=${workerCount}: ${line}`);
  return {
    label: "graphile-worker",
    workers: workerCount,
    completed: figures.completed,
    seconds: figures.seconds,
    tasksPerSecond: figures.completed / figures.seconds,
    p50: percentile(waits, 50),
    p99: percentile(waits, 99),
  };
}

/** Statements sent between two readings, by label (heartbeats and sweeps in that window included). */
function statementsSpent(before: Record<string, number>, after: Record<string, number>): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [label, count] of Object.entries(after)) {
    const delta = count - (before[label] ?? 0);
    if (delta > 0) spent.set(label, delta);
  }
  return spent;
}

/** Linux's RssAnon where there is one: code pages the kernel drops and maps again make plain RSS jump. */
function resident(memory: Memory): number {
  return memory.anonymous ?? memory.rss;
}

/** The `msg` of a pino JSON line, or the line itself. */
function logMessage(line: string): string {
  try {
    const parsed = JSON.parse(line) as { msg?: string; err?: { message?: string } };
    return [parsed.msg, parsed.err?.message].filter(Boolean).join(": ") || line;
  } catch {
    return line.slice(0, 300);
  }
}

function distinct(lines: string[], limit: number): string[] {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].slice(0, limit).map(([line, count]) => (count > 1 ? `${line} (×${count})` : line));
}

const columns: [string, number, (row: Row) => string][] = [
  ["case", 29, (row) => row.label],
  ["W", 5, (row) => String(row.workers)],
  ["done", 6, (row) => String(row.completed)],
  ["seconds", 8, (row) => row.seconds.toFixed(2)],
  ["tasks/s", 8, (row) => row.tasksPerSecond.toFixed(0)],
  ["p50 ms", 8, (row) => row.p50.toFixed(1)],
  ["p99 ms", 8, (row) => row.p99.toFixed(1)],
  ["vs graphile", 11, (row) => (row.ratio === undefined ? "" : `${row.ratio.toFixed(2)}×`)],
  ["RSS/worker", 10, (row) => (row.rssPerWorkerKb === undefined ? "" : `${row.rssPerWorkerKb.toFixed(1)} KB`)],
  ["heap/worker", 11, (row) => (row.heapPerWorkerKb === undefined ? "" : `${row.heapPerWorkerKb.toFixed(1)} KB`)],
  ["connect s", 9, (row) => (row.connectSeconds === undefined ? "" : row.connectSeconds.toFixed(2))],
  ["SQL/task", 8, (row) => (row.statementsPerTask === undefined ? "" : row.statementsPerTask.toFixed(1))],
];

function formatRow(cells: string[]): string {
  return cells.map((cell, i) => (i === 0 ? cell.padEnd(columns[i]![1]) : cell.padStart(columns[i]![1]))).join("  ");
}

// Whatever happens, the run ends: every case is bounded, and so is the whole.
const totalLimitMs =
  (runnableCounts.length * (stores.length * perRequestModes.length + 1) * (CASE_LIMIT_MS + 120_000)) | 0;
setTimeout(() => {
  console.error(`dispatch benchmark: over its overall limit of ${Math.round(totalLimitMs / 1000)} s, stopping`);
  process.exit(2);
}, totalLimitMs).unref();

console.log(
  `dispatch benchmark: T=${TASKS} tasks, W=${runnableCounts.join(",")} workers (1 slot, no-op tool), ` +
    `${PRODUCERS} producers${BULK > 1 ? ` (and ${BULK} tasks per request)` : ""}, node ${process.version}, ${cpus().length} CPUs, ulimit -n ${fdLimit ?? "n/a"}, ` +
    `load average ${loadavg()[0]!.toFixed(1)}`,
);
const postgresMissing = await postgresUnavailable();
if (postgresMissing) notes.push(`postgres and graphile-worker skipped: ${postgresMissing}`);
const wantGraphile = !flags["skip-graphile"] && !postgresMissing;

const rows: Row[] = [];
console.log(formatRow(columns.map(([name]) => name)));
for (const workerCount of runnableCounts) {
  const group: Row[] = [];
  for (const store of stores) {
    if (store === "postgres" && postgresMissing) continue;
    for (const perRequest of perRequestModes) group.push(await runGarageSwarm(store, workerCount, perRequest));
  }
  if (wantGraphile) {
    const reference = await runGraphile(workerCount);
    for (const row of group) row.ratio = row.tasksPerSecond / reference.tasksPerSecond;
    group.push(reference);
  }
  for (const row of group) console.log(formatRow(columns.map(([, , cell]) => cell(row))));
  rows.push(...group);
}

if (wantGraphile) {
  notes.unshift(
    `graphile-worker ${graphileVersion()}: default settings (pool of ${GRAPHILE_DEFAULT_POOL_SIZE} connections), ` +
      "concurrency = W, in the benchmark process",
  );
}
console.log("");
console.log("p50/p99: create request sent → worker receives task.assign (graphile: add_job sent → handler starts)");
console.log(
  "RSS/worker, heap/worker: server child process (fresh, data set up by an earlier process), " +
    `(after W hellos − before) / W, after a forced GC; RSS is ${process.platform === "linux" ? "RssAnon" : "rss"}`,
);
// Everything here shares the machine's CPUs; a busy machine moves every figure (the ratio less so).
console.log("SQL/task: statements the server sent to PostgreSQL from the first create to the last ack, / tasks done");
console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)}`);
for (const note of notes) console.log(`note: ${note}`);
process.exitCode = rows.every((row) => row.completed === TASKS) ? 0 : 1;

function graphileVersion(): string {
  return (createRequire(import.meta.url)("graphile-worker/package.json") as { version: string }).version;
}
