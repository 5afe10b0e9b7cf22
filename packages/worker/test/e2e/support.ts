// Real worker processes for end-to-end tests: `garageswarm worker …` spawned from the CLI, with the fake
// tools on PATH, talking to a real server over HTTP and WebSocket.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiClient } from "../../../../test/support/http.ts";
import { fakeGeminiHome, fakeKnobNames, pathWithFakes } from "../fakes/index.ts";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const cliBin = join(repoRoot, "packages/cli/bin/garageswarm.js");

/** Nothing listens here: a worker given it as OLLAMA_HOST finds no Ollama. */
export const NO_OLLAMA = "http://127.0.0.1:9";

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly stateDir: string;
  /** Everything the worker logged so far (stdout and stderr). */
  log(): string;
  /** Resolves with the first log match, waiting up to `timeoutMs`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The worker id, once registered. */
  workerId(): Promise<string>;
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnWorkerOptions {
  /** Left out: the worker reads them from its state dir's config.json (or, with --ui, waits to be connected). */
  server?: string;
  key?: string;
  args?: string[];
  /** Extra environment (fake knobs, OLLAMA_HOST…); the base is clean of vendor keys. */
  env?: NodeJS.ProcessEnv;
  stateDir?: string;
}

const spawned = new Set<WorkerProcess>();
const tempDirs: string[] = [];

export async function tempDir(prefix = "gs-e2e-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/**
 * A process environment without anything from this machine that would add tools (keys, hosts). The fakes'
 * knobs (GS_FAKE_*) given in `extra` are passed on to the tools (GARAGESWARM_PASS_ENV) unless it says otherwise:
 * a worker gives its tools only an allow-listed environment.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of ["HOME", "TMPDIR", "LANG", "SystemRoot", "ComSpec"]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  const knobs = Object.keys(extra).filter((name) => fakeKnobNames.includes(name));
  const passEnv = knobs.length > 0 ? { GARAGESWARM_PASS_ENV: knobs.join(",") } : {};
  const fakes = { PATH: pathWithFakes(process.env.PATH), GEMINI_CLI_HOME: fakeGeminiHome };
  return { ...env, ...fakes, OLLAMA_HOST: NO_OLLAMA, ...passEnv, ...extra };
}

export async function spawnWorker(options: SpawnWorkerOptions): Promise<WorkerProcess> {
  const stateDir = options.stateDir ?? (await tempDir("gs-worker-"));
  const child = spawn(
    process.execPath,
    [
      cliBin,
      "worker",
      ...(options.server === undefined ? [] : ["--server", options.server]),
      ...(options.key === undefined ? [] : ["--key", options.key]),
      "--state-dir",
      stateDir,
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env: cleanEnv(options.env), stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once("exit", (code, signal) => {
      for (const listener of listeners) listener();
      resolveExit({ code, signal });
    });
  });

  const waitForLog = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpMatchArray>((resolveMatch, reject) => {
      const check = () => {
        const match = text.match(pattern);
        if (match) {
          finish();
          resolveMatch(match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish();
          reject(new Error(`worker exited before logging ${pattern}:\n${text}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`worker did not log ${pattern} within ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  const worker: WorkerProcess = {
    child,
    stateDir,
    log: () => text,
    waitForLog,
    workerId: async () => (await waitForLog(/registered as worker ([0-9a-f-]{36})/))[1] as string,
    exited,
    kill: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  spawned.add(worker);
  void exited.then(() => spawned.delete(worker));
  return worker;
}

/** Kills every worker still running and removes temp dirs: call from afterAll/afterEach. */
export async function cleanUpWorkers(): Promise<void> {
  const running = [...spawned];
  for (const worker of running) worker.kill("SIGKILL");
  await Promise.all(running.map((worker) => worker.exited));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Polls `check` until it returns a truthy value; fails after `timeoutMs` with the last value seen. */
export async function waitFor<T>(
  check: () => Promise<T> | T,
  {
    timeoutMs = 45_000,
    everyMs = 100,
    what = "condition",
  }: { timeoutMs?: number; everyMs?: number; what?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolveLater) => setTimeout(resolveLater, everyMs));
  }
}

const TERMINAL_STATUSES = ["completed", "failed", "cancelled", "timed_out"];

/** The task's view once it has ended (completed, failed, cancelled or timed out), as its owner sees it. */
export function taskEnded(api: ApiClient, token: string, taskId: string) {
  return waitFor(
    async () => {
      const task = (await api.get(`/api/v1/tasks/${taskId}`, { token })).body;
      return TERMINAL_STATUSES.includes(task.status) ? task : null;
    },
    { what: `task ${taskId} to end` },
  );
}

/** Creates a task as `token`'s user and waits for it to end. */
export async function runTaskToEnd(api: ApiClient, token: string, body: Record<string, unknown>) {
  const created = await api.post("/api/v1/tasks", body, { token });
  if (created.status !== 201) throw new Error(`create task failed: ${created.status} ${JSON.stringify(created.body)}`);
  return taskEnded(api, token, created.body.task_id as string);
}
