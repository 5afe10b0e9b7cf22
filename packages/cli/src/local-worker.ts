// `garageswarm up` runs a worker inside the server process, so the quick start runs tasks with no extra
// step. It is an ordinary worker: it registers with a key of the first admin and talks to the server over
// the loopback interface, with its state dir under the data dir. It shares the server's environment, which
// holds the server's secrets: its tools get only the allow-listed part of it, like any worker's, and their
// workdirs live outside the data dir. The worker's sandbox settings come from the same variables as a
// standalone worker's (GARAGESWARM_PASS_ENV, GARAGESWARM_ALLOW_UNSAFE_AGENT_MODES, GARAGESWARM_WORK_DIR,
// GARAGESWARM_WORKDIR_RETENTION) or the state dir's config.json, and so do its per-tool caps
// (GARAGESWARM_WORKER_MAX_CONCURRENT, max_concurrent).
import { hostname } from "node:os";
import { join } from "node:path";
import { ensureLocalWorkerKey, type RunningServer } from "@garageswarm/server";
import type { StartWorkerOptions, WorkerHandle } from "@garageswarm/worker";

/** `overrides` lets tests point the worker's tools elsewhere (env, tool settings). */
export async function startLocalWorker(
  server: RunningServer,
  overrides: Partial<StartWorkerOptions> = {},
): Promise<WorkerHandle> {
  const { config, log } = server.resources;
  const { readConfigFile, resolveMaxConcurrent, resolveSandboxSettings, startWorker } = await import(
    "@garageswarm/worker"
  );
  const key = await ensureLocalWorkerKey(server.resources);
  const port = new URL(server.url).port;
  // Listening on every interface: loopback is the shortest way in, and never leaves the machine.
  const url = ["0.0.0.0", "::"].includes(config.host) ? `http://127.0.0.1:${port}` : server.url;
  const workerLog = log.child({ component: "local-worker" });
  const stateDir = overrides.stateDir ?? join(config.dataDir, "worker");
  const env = overrides.env ?? process.env;
  const file = await readConfigFile(stateDir);
  const sandbox = resolveSandboxSettings({}, env, file);
  return startWorker({
    server: url,
    key,
    stateDir,
    name: `${hostname()} (local)`,
    slots: 2,
    maxConcurrent: resolveMaxConcurrent({}, env, file),
    env,
    ...sandbox,
    protectedDirs: [config.dataDir],
    log: {
      info: (message) => workerLog.info(message),
      warn: (message) => workerLog.warn(message),
      error: (message) => workerLog.error(message),
    },
    ...overrides,
  });
}
