// Pull benchmark: N queued tasks drained by M concurrent HTTP pullers, each its own registered worker,
// each looping pull → complete. Runs on PGlite (in memory), then on a fresh PostgreSQL database.
//
//   npm run bench:pull [-- N M]        defaults N=2000, M=16
//
// Everything is real: the server listens on a port, pullers speak HTTP with an API key. The bus is the
// in-process one on both stores (no Redis), so the figures are the queue's, not the bus's.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { loadServerConfig, openStore, type Store, startServer } from "@garageswarm/server";
import { call } from "./support/http.ts";
import { percentile } from "./support/stats.ts";
import { postgresUnavailable, withFreshDatabase } from "./support/stores.ts";

const TASKS = positiveInt(process.argv[2], 2000);
const PULLERS = positiveInt(process.argv[3], 16);
/** The whole run for one store stops after this, whatever is left. */
const TIME_LIMIT_MS = 180_000;
/** Each puller heartbeats this often (the server's default interval is 10 s). */
const HEARTBEAT_EVERY_MS = 5_000;

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 100_000) : fallback;
}

interface Figures {
  store: string;
  completed: number;
  seconds: number;
  tasksPerSecond: number;
  claimP50: number;
  claimP99: number;
  completeP50: number;
  rssMb: number;
}

async function run(label: string, store: Store): Promise<Figures> {
  const config = loadServerConfig(
    {
      host: "127.0.0.1",
      port: 0,
      logLevel: "warn",
      localWorker: false,
      authRateLimitPerMinute: 1000,
      registration: "open",
    },
    {},
  );
  const server = await startServer(config, { store });
  const base = server.url;
  try {
    const username = `bench_${randomBytes(3).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    await call(base, "POST", "/api/v1/auth/register", null, { username, email: `${username}@bench.test`, password });
    const { access_token } = (
      await call<{ access_token: string }>(base, "POST", "/api/v1/auth/login", null, { username, password })
    ).body;
    const key = (await call<{ key: string }>(base, "POST", "/api/v1/keys", access_token, { name: "bench" })).body.key;

    // Enqueue through the API too, 8 at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < TASKS) {
          const i = next++;
          await call(base, "POST", "/api/v1/tasks", access_token, { description: `bench task ${i}`, tool: "shell" });
        }
      }),
    );

    const workerIds: string[] = [];
    for (let i = 0; i < PULLERS; i++) {
      const worker = await call<{ worker_id: string }>(base, "POST", "/api/v1/workers/register", key, {
        machine_id: `bench-${i}`,
        machine_name: `bench puller ${i}`,
        platform: process.platform,
        tools: [{ name: "shell", version: "1", models: [], healthy: true }],
        slots: 1,
      });
      workerIds.push(worker.body.worker_id);
    }

    const claimMs: number[] = [];
    const completeMs: number[] = [];
    let completed = 0;
    const started = performance.now();
    const deadline = started + TIME_LIMIT_MS;
    await Promise.all(
      workerIds.map(async (workerId) => {
        let lastBeat = performance.now();
        while (performance.now() < deadline) {
          // Like a real pull-mode worker: a silent one would be marked offline and its leases expired.
          if (performance.now() - lastBeat > HEARTBEAT_EVERY_MS) {
            lastBeat = performance.now();
            await call(base, "POST", `/api/v1/workers/${workerId}/heartbeat`, key, {
              cpu_percent: 50,
              memory_percent: 50,
              disk_percent: 50,
              running_task_ids: [],
            });
          }
          const t0 = performance.now();
          const claimed = await call<{ task_id: string; attempt_token: string }>(
            base,
            "GET",
            `/api/v1/workers/${workerId}/pull-task?wait=0`,
            key,
          );
          claimMs.push(performance.now() - t0);
          if (claimed.status === 204) return;
          const t1 = performance.now();
          await call(base, "POST", `/api/v1/tasks/${claimed.body.task_id}/complete`, key, {
            attempt_token: claimed.body.attempt_token,
            result: { output: "ok", usage: { input_tokens: 1, output_tokens: 1, cost_usd: 0 } },
          });
          completeMs.push(performance.now() - t1);
          completed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    claimMs.sort((a, b) => a - b);
    completeMs.sort((a, b) => a - b);
    return {
      store: label,
      completed,
      seconds,
      tasksPerSecond: completed / seconds,
      claimP50: percentile(claimMs, 50),
      claimP99: percentile(claimMs, 99),
      completeP50: percentile(completeMs, 50),
      rssMb: process.memoryUsage().rss / 1024 / 1024,
    };
  } finally {
    await server.close();
  }
}

function print(figures: Figures) {
  console.log(
    `${figures.store.padEnd(10)} ${String(figures.completed).padStart(6)} tasks in ${figures.seconds.toFixed(1)} s  ` +
      `${figures.tasksPerSecond.toFixed(0).padStart(5)} tasks/s  claim p50 ${figures.claimP50.toFixed(1)} ms  ` +
      `p99 ${figures.claimP99.toFixed(1)} ms  complete p50 ${figures.completeP50.toFixed(1)} ms  RSS ${figures.rssMb.toFixed(0)} MB`,
  );
}

console.log(`pull benchmark: ${TASKS} tasks, ${PULLERS} HTTP pullers (pull → complete), node ${process.version}`);

const pglite = await openStore({});
try {
  print(await run("pglite", pglite));
} finally {
  await pglite.close();
}

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`postgres   skipped: ${unavailable}`);
} else {
  await withFreshDatabase("gs_bench", async (databaseUrl) => {
    const store = await openStore({ databaseUrl, poolSize: Math.max(PULLERS + 4, 10) });
    try {
      print(await run("postgres", store));
    } finally {
      await store.close();
    }
  });
}
