// The images' and services' commands run here, outside Docker (this machine has no Docker engine): each
// process gets the command and environment its Dockerfile and compose.yaml give it, with only what a
// container would differ in swapped: the service host names (postgres, redis, server) for this machine's
// addresses, /data and /home/node for temp dirs, the published port for a free one. On the embedded stack it
// is `docker run` of the server image alone (PGlite in the data volume); on the postgres stack, the compose
// services against the local PostgreSQL (a fresh, empty database: the server migrates it) and Redis.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import { testPostgresUrl, testRedisUrl, testStack, withDatabase } from "../../../test/support/env.ts";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { type FakeServer, startFakeOllama } from "../../worker/test/fakes/index.ts";
import { envExample, imageAppDir, readCompose, readDockerfile, repoRoot } from "./deploy.support.ts";

const serverImage = readDockerfile("server.Dockerfile");
const workerImage = readDockerfile("worker.Dockerfile");

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** `node <script> args…` as the image runs it from its WORKDIR, here from the repository root. */
function startInRepo(argv: string[], env: Record<string, string>): Started {
  const [node, script, ...rest] = argv;
  expect(node).toBe("node");
  const local = join(repoRoot, posix.relative(imageAppDir, posix.resolve(imageAppDir, script as string)));
  const child = spawn(process.execPath, [local, ...rest], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  });
  return { child, output: () => output, exited };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolveListen) => probe.listen(0, "127.0.0.1", resolveListen));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolveClose) => probe.close(() => resolveClose()));
  return port;
}

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A container's PATH holds node and the system's tools; no agent CLI unless the image installs one. */
const containerPath = `${dirname(process.execPath)}:/usr/bin:/bin`;

/** The image's health check run as Docker runs it (in the WORKDIR, with the container's env); its exit code. */
async function healthCheck(test: string[], env: Record<string, string>): Promise<number | null> {
  const probe = startInRepo(test, env);
  return probe.exited;
}

async function waitUntilHealthy(server: Started, test: string[], env: Record<string, string>): Promise<void> {
  for (;;) {
    if (server.child.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`);
    if ((await healthCheck(test, env)) === 0) return;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
}

/**
 * With the server up: a worker key made as a person would (sign in, Workers → Add worker), the worker started
 * with it, seen online with the name and labels it was given, and running a task on the tool its env names.
 */
async function enrolWorkerAndRunTask(
  serverUrl: string,
  adminPassword: string,
  startWorker: (key: string) => Started,
): Promise<Started> {
  const api = apiClient(serverUrl);
  const login = await api.post("/api/v1/auth/login", { username: "admin", password: adminPassword });
  expect(login.status).toBe(200);
  const token = login.body.access_token as string;
  const created = await api.post("/api/v1/keys", { name: "docker worker", scope: "worker" }, { token });
  expect(created.status).toBe(201);
  const worker = startWorker(created.body.key as string);

  let seen: any;
  for (;;) {
    if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
    const listed = await api.get("/api/v1/workers", { token });
    seen = listed.body.items.find((item: any) => item.status === "online");
    if (seen?.tools.some((tool: any) => tool.name === "ollama" && tool.healthy)) break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  expect(seen).toMatchObject({ machine_name: "docker-worker", labels: ["docker"], slots: 1, owner_username: "admin" });

  const task = await api.post("/api/v1/tasks", { description: "hello from compose", tool: "ollama" }, { token });
  expect(task.status).toBe(201);
  let done: any;
  for (;;) {
    done = (await api.get(`/api/v1/tasks/${task.body.task_id}`, { token })).body;
    if (done.status === "completed" || done.status === "failed") break;
    await new Promise((resolveWait) => setTimeout(resolveWait, 250));
  }
  expect(done).toMatchObject({ status: "completed", worker_id: seen.worker_id });
  expect(done.result.output).toBe("Fake ollama answer to: hello from compose");
  return worker;
}

async function stopCleanly(started: Started): Promise<void> {
  started.child.kill("SIGTERM");
  expect(await started.exited, started.output()).toBe(0);
}

// Registered on one stack each, so neither project reports the other's case as skipped.
if (testStack === "embedded")
  describe("the server image alone (docker run), with a worker image", () => {
    it("keeps PGlite and the generated admin password in the data volume; a worker joins, runs a task, both stop on SIGTERM", {
      timeout: 180_000,
    }, async () => {
      const ollama: FakeServer = await startFakeOllama();
      cleanups.push(() => ollama.close());
      const dataDir = await tempDir("gs-docker-data-");
      const home = await tempDir("gs-docker-home-");
      const port = await freePort();

      // docker run -v data:/data -p PORT:8000 garageswarm-server: the image's own ENV and CMD, nothing added.
      expect(serverImage.env).toMatchObject({ PORT: "8000", GARAGESWARM_DATA_DIR: "/data" });
      const serverEnv = { ...serverImage.env, PORT: String(port), GARAGESWARM_DATA_DIR: dataDir, PATH: containerPath };
      const healthTest = serverImage.healthcheck as string[];
      expect(await healthCheck(healthTest, serverEnv)).toBe(1);
      const server = startInRepo([...serverImage.entrypoint, ...serverImage.cmd], serverEnv);
      await waitUntilHealthy(server, healthTest, serverEnv);
      expect(server.output()).toMatch(/embedded PGlite in/);
      expect(server.output()).not.toMatch(/local worker:/);
      // Not a terminal: the generated password is in the volume (0600), not in the container's log.
      const adminPassword = (await readFile(join(dataDir, "admin-password.txt"), "utf8")).trim();
      expect(server.output()).not.toContain(adminPassword);

      const serverUrl = `http://127.0.0.1:${port}`;
      const worker = await enrolWorkerAndRunTask(serverUrl, adminPassword, (key) =>
        // docker run -v home:/home/node -e GARAGESWARM_SERVER=… -e GARAGESWARM_KEY=… -e OLLAMA_HOST=… garageswarm-worker
        startInRepo([...workerImage.entrypoint, ...workerImage.cmd], {
          ...relocate(workerImage.env, "/home/node", home),
          HOME: home,
          PATH: containerPath,
          GARAGESWARM_SERVER: serverUrl,
          GARAGESWARM_KEY: key,
          GARAGESWARM_WORKER_NAME: "docker-worker",
          GARAGESWARM_WORKER_LABELS: "docker",
          OLLAMA_HOST: ollama.url,
        }),
      );
      await stopCleanly(worker);
      await stopCleanly(server);
    });
  });

if (testStack === "postgres")
  describe.skipIf(postgresStackMissing())("the compose services", () => {
    it("the server migrates a fresh PostgreSQL, uses Redis, turns healthy; the worker comes online and runs a task; both stop on SIGTERM", {
      timeout: 180_000,
    }, async () => {
      const run = inject("pgRun");
      if (!run) throw new Error(inject("pgUnavailableReason"));
      // An empty database, as the postgres service starts with; the run's teardown drops it with its prefix.
      const database = `${run.prefix}_compose_${randomBytes(4).toString("hex")}`;
      const admin = new pg.Client({ connectionString: testPostgresUrl });
      await admin.connect();
      try {
        await admin.query(`create database "${database}"`);
      } finally {
        await admin.end();
      }
      const ollama: FakeServer = await startFakeOllama();
      cleanups.push(() => ollama.close());
      const dataDir = await tempDir("gs-compose-data-");
      const home = await tempDir("gs-compose-home-");
      const port = await freePort();

      // deploy/.env as a user fills it in from .env.example.
      const dotEnv = {
        ...envExample(),
        POSTGRES_PASSWORD: "compose-pg-secret",
        GARAGESWARM_ADMIN_PASSWORD: "compose-admin-secret",
        OLLAMA_HOST: ollama.url,
      };
      const services = readCompose(dotEnv).services;
      const serverService = services.server!;
      const given = { ...serverImage.env, ...serverService.environment };
      expect(given.DATABASE_URL).toBe("postgres://garageswarm:compose-pg-secret@postgres:5432/garageswarm");
      expect(given.REDIS_URL).toBe("redis://redis:6379");
      const serverEnv: Record<string, string> = {
        ...given,
        // The postgres and redis services are this machine's; the local PostgreSQL trusts its postgres user.
        DATABASE_URL: withDatabase(testPostgresUrl, database),
        REDIS_URL: testRedisUrl,
        PORT: String(port),
        GARAGESWARM_DATA_DIR: dataDir,
        // Not in compose: this Redis is shared with other test runs, so this server gets keys of its own.
        GARAGESWARM_REDIS_PREFIX: `gs-compose-${randomBytes(4).toString("hex")}:`,
        PATH: containerPath,
      };
      const healthTest = serverService.healthcheck!.test.slice(1);
      expect(serverService.healthcheck!.test[0]).toBe("CMD");
      expect(await healthCheck(healthTest, serverEnv)).toBe(1);
      const server = startInRepo([...serverImage.entrypoint, ...(serverService.command ?? serverImage.cmd)], serverEnv);
      await waitUntilHealthy(server, healthTest, serverEnv);
      expect(server.output()).toMatch(/store: PostgreSQL; bus: Redis/);
      expect(server.output()).not.toMatch(/local worker:/);

      const serverUrl = `http://127.0.0.1:${port}`;
      const worker = await enrolWorkerAndRunTask(serverUrl, dotEnv.GARAGESWARM_ADMIN_PASSWORD, (key) => {
        const workerService = readCompose({ ...dotEnv, WORKER_KEY: key }).services.worker!;
        const workerGiven = { ...workerImage.env, ...workerService.environment };
        expect(workerGiven.GARAGESWARM_SERVER).toBe("http://server:8000");
        expect(workerGiven.GARAGESWARM_KEY).toBe(key);
        return startInRepo([...workerImage.entrypoint, ...(workerService.command ?? workerImage.cmd)], {
          ...relocate(workerGiven, "/home/node", home),
          GARAGESWARM_SERVER: serverUrl,
          HOME: home,
          PATH: containerPath,
        });
      });
      await stopCleanly(worker);
      await stopCleanly(server);
    });
  });

/** The env with a container path (a volume's mount point) moved to a directory of this machine. */
function relocate(env: Record<string, string>, containerDir: string, localDir: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [
      name,
      value === containerDir || value.startsWith(`${containerDir}/`)
        ? localDir + value.slice(containerDir.length)
        : value,
    ]),
  );
}
