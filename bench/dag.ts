// Workflow engine benchmark: the run driver's overhead per node, on a random DAG and on a wide fan-out,
// with "instant tools". Runs on PGlite (in memory), then on a fresh PostgreSQL database.
//
//   npm run bench:dag [-- NODES WIDTH]        defaults NODES=10000, WIDTH=1000
//
// The server runs in-process (startServer, port 0). The run starts through the driver (startRun, with a
// prepared graph: the API caps definitions at 500 nodes) and is stepped by the server's own advancer.
// Tools are instant: after every step one SQL statement completes every queued task of the run, as if a
// fleet of workers had finished them all at once; no HTTP, no claim. So the time measured is the
// driver's: finding finished tasks, the engine's transitions, the guarded run UPDATE and the node rows
// it changed, creating the next tasks (and their attempt rows and event-log entries) and publishing the
// bus hints.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { RunStatus } from "@garageswarm/protocol";
import { loadServerConfig, openStore, type Store, startServer } from "@garageswarm/server";
import { sql } from "drizzle-orm";
import type { RunGraph, RunNode } from "../packages/server/src/workflows/graph.ts";
import { findWorkflowById } from "../packages/server/src/workflows/runs/queries.ts";
import { startRun } from "../packages/server/src/workflows/runs/start.ts";
import { postgresUnavailable, withFreshDatabase } from "./support/stores.ts";

const NODES = positiveInt(process.argv[2], 10_000);
const WIDTH = positiveInt(process.argv[3], 1_000);
/** One scenario stops after this, whatever is left. */
const TIME_LIMIT_MS = 300_000;

function positiveInt(raw: string | undefined, fallback: number): number {
  const value = Number(raw);
  return Number.isInteger(value) && value > 0 ? Math.min(value, 100_000) : fallback;
}

const task = (id: string): RunNode => ({
  id,
  type: "task",
  tool: "shell",
  prompt: "true",
  retries: 0,
  timeout_seconds: 60,
  requirements: {},
});

/** Node i depends on 1–3 random earlier nodes (seeded, so both stores run the same graph). */
function randomDag(size: number): RunGraph {
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const nodes = Array.from({ length: size }, (_, i) => task(`n${i}`));
  const edges: RunGraph["edges"] = [];
  for (let i = 1; i < size; i++) {
    const parents = new Set<number>();
    const count = 1 + Math.floor(random() * 3);
    for (let k = 0; k < count; k++) parents.add(Math.floor(random() * i));
    for (const parent of parents) {
      edges.push({ id: `n${parent}->n${i}`, from: `n${parent}`, to: `n${i}`, on: "success", loop: false });
    }
  }
  return { workflow_type: "graph", nodes, edges };
}

/** A root, WIDTH leaves after it, and one aggregator after all of them. */
function fanOut(width: number): RunGraph {
  const leaves = Array.from({ length: width }, (_, i) => task(`leaf${i}`));
  const join: RunNode = { ...task("join"), type: "aggregator" };
  return {
    workflow_type: "graph",
    nodes: [task("root"), ...leaves, join],
    edges: [
      ...leaves.map((leaf) => ({
        id: `root->${leaf.id}`,
        from: "root",
        to: leaf.id,
        on: "success" as const,
        loop: false,
      })),
      ...leaves.map((leaf) => ({
        id: `${leaf.id}->join`,
        from: leaf.id,
        to: "join",
        on: "success" as const,
        loop: false,
      })),
    ],
  };
}

interface Figures {
  store: string;
  scenario: string;
  nodes: number;
  status: string;
  steps: number;
  seconds: number;
  driverSeconds: number;
  perNodeMs: number;
  rssMb: number;
}

async function measure(store: Store, label: string, scenario: string, graph: RunGraph): Promise<Figures> {
  const config = loadServerConfig(
    { host: "127.0.0.1", port: 0, logLevel: "warn", localWorker: false, registration: "open" },
    {},
  );
  const server = await startServer(config, { store });
  const { resources } = server;
  try {
    const base = server.url;
    const call = async (path: string, token: string | null, body: unknown): Promise<any> => {
      const response = await fetch(base + path, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      if (response.status >= 400) throw new Error(`${path}: ${response.status} ${await response.text()}`);
      return response.json();
    };
    const username = `bench_${randomBytes(3).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    const user = await call("/api/v1/auth/register", null, { username, email: `${username}@bench.test`, password });
    const { access_token } = await call("/api/v1/auth/login", null, { username, password });
    const created = await call("/api/v1/workflows", access_token, {
      name: scenario,
      definition: { nodes: [{ id: "placeholder", type: "task", tool: "shell", prompt: "true" }] },
    });
    const workflow = (await findWorkflowById(resources.db, created.workflow_id))!;

    const started = performance.now();
    let driverMs = 0;
    let mark = performance.now();
    const run = await startRun(resources, { workflow, userId: user.user_id, trigger: "api", graph });
    driverMs += performance.now() - mark;
    let steps = 1;
    let status = run!.status;
    const runId = run!.run_id;
    while (!["completed", "failed", "cancelled"].includes(status) && performance.now() - started < TIME_LIMIT_MS) {
      // The instant tools: everything queued for the run finishes now.
      await resources.db.execute(sql`
        update tasks set status = 'completed', attempt = 1, result = '{"output": "ok", "exit_code": 0}'::jsonb,
          completed_at = now(), updated_at = now()
        where run_id = ${runId}::uuid and status = 'queued'`);
      mark = performance.now();
      await server.advancer.runOnce();
      driverMs += performance.now() - mark;
      steps += 1;
      const [row] = (
        (await resources.db.execute(
          sql`select status from workflow_runs where run_id = ${runId}::uuid`,
        )) as unknown as {
          rows: Array<{ status: RunStatus }>;
        }
      ).rows;
      status = row!.status;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      store: label,
      scenario,
      nodes: graph.nodes.length,
      status,
      steps,
      seconds,
      driverSeconds: driverMs / 1000,
      perNodeMs: driverMs / graph.nodes.length,
      rssMb: process.memoryUsage().rss / 1_048_576,
    };
  } finally {
    await server.close();
  }
}

function print(figures: Figures) {
  console.log(
    [
      figures.store.padEnd(9),
      figures.scenario.padEnd(22),
      `${figures.nodes} nodes`.padEnd(12),
      figures.status.padEnd(10),
      `${figures.steps} steps`.padEnd(10),
      `total ${figures.seconds.toFixed(1)} s`.padEnd(14),
      `driver ${figures.driverSeconds.toFixed(1)} s`.padEnd(15),
      `${figures.perNodeMs.toFixed(2)} ms/node`.padEnd(14),
      `rss ${figures.rssMb.toFixed(0)} MB`,
    ].join(" "),
  );
}

const scenarios: Array<[string, RunGraph]> = [
  [`random DAG`, randomDag(NODES)],
  [`fan-out x${WIDTH}`, fanOut(WIDTH)],
];

/** Each scenario on a store of its own: `withStore` opens it, hands it over, and cleans up after. */
async function runAll(label: string, withStore: (use: (store: Store) => Promise<void>) => Promise<void>) {
  for (const [scenario, graph] of scenarios) {
    await withStore(async (store) => {
      try {
        print(await measure(store, label, scenario, graph));
      } finally {
        await store.close();
      }
    });
  }
}

await runAll("pglite", async (use) => use(await openStore({})));

const unavailable = await postgresUnavailable();
if (unavailable) {
  console.log(`postgres  skipped: ${unavailable}`);
} else {
  await runAll("postgres", (use) =>
    withFreshDatabase("gs_bench", async (databaseUrl) => use(await openStore({ databaseUrl, poolSize: 10 }))),
  );
}
