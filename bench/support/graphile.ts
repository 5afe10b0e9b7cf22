// The reference: the same number of no-op jobs drained by graphile-worker (default settings except
// concurrency) on its own fresh PostgreSQL database. Jobs are added while the runner is up, by the same
// number of concurrent producers the GarageSwarm case uses, so both measure enqueue → drained.
import { performance } from "node:perf_hooks";
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";
import { inParallel } from "./http.ts";
import { withFreshDatabase } from "./stores.ts";
import { settleWithin, sleep } from "./time.ts";

/** graphile-worker's default maxPoolSize (its config.js), which these runs keep. */
export const GRAPHILE_DEFAULT_POOL_SIZE = 10;

export interface GraphileFigures {
  completed: number;
  seconds: number;
  /** job id → add_job call sent / handler started (performance.now()). */
  added: Map<string, number>;
  started: Map<string, number>;
  warnings: string[];
}

export async function drainWithGraphile(
  jobs: number,
  concurrency: number,
  producers: number,
  timeLimitMs: number,
): Promise<GraphileFigures> {
  return withFreshDatabase("gs_bench_graphile", async (connectionString) => {
    const warnings: string[] = [];
    // graphile-worker logs every job at info; keep warnings and errors for the report.
    const logger = new Logger(() => (level, message) => {
      if ((level === "warning" || level === "error") && warnings.length < 100) warnings.push(`${level}: ${message}`);
    });
    const added = new Map<string, number>();
    const started = new Map<string, number>();
    let handled = 0;
    let allHandled: () => void = () => {};
    const handledAll = new Promise<void>((resolve) => {
      allHandled = resolve;
    });
    // Pools of graphile's default size, made here so they can be ended before the database is dropped
    // (graphile ends its own pools without waiting, and their idle clients then die on the drop).
    const runnerPool = quietPool(connectionString);
    const utilsPool = quietPool(connectionString);
    const runner = await run({
      pgPool: runnerPool,
      concurrency,
      noHandleSignals: true,
      logger,
      taskList: {
        noop: async (_payload, helpers) => {
          started.set(helpers.job.id, performance.now());
        },
      },
    });
    runner.events.on("job:complete", () => {
      if (++handled >= jobs) allHandled();
    });
    const utils = await makeWorkerUtils({ pgPool: utilsPool, logger });
    const probe = new pg.Client({ connectionString });
    await probe.connect();
    try {
      const begin = performance.now();
      const deadline = begin + timeLimitMs;
      await inParallel(jobs, producers, async () => {
        if (performance.now() > deadline) return;
        const sent = performance.now();
        const job = await utils.addJob("noop", {});
        added.set(job.id, sent);
      });
      await settleWithin(handledAll, deadline - performance.now());
      // graphile-worker emits job:complete before its (unawaited) delete commits: wait for the table to empty.
      while (performance.now() < deadline) {
        const { rows } = await probe.query<{ left: string }>(
          "select count(*) as left from graphile_worker._private_jobs",
        );
        if (Number(rows[0]?.left) === 0) break;
        await sleep(2);
      }
      const seconds = (performance.now() - begin) / 1000;
      const { rows } = await probe.query<{ left: string }>(
        "select count(*) as left from graphile_worker._private_jobs",
      );
      return {
        completed: added.size - Number(rows[0]?.left ?? 0),
        seconds,
        added,
        started,
        warnings,
      };
    } finally {
      await probe.end();
      await utils.release();
      await runner.stop();
      await runnerPool.end();
      await utilsPool.end();
    }
  });
}

function quietPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max: GRAPHILE_DEFAULT_POOL_SIZE });
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  return pool;
}
