// A6: tool processes used to inherit the worker's whole environment — its own API key (GARAGESWARM_KEY)
// and, under `garageswarm up`, the server's JWT secret, admin password and database URLs — and to run three
// directories below the local worker's key file. The review's fake `claude` dumped them; here the same
// fakes dump what they see, started by real workers, and none of it is there.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { startLocalWorker } from "../../cli/src/local-worker.ts";
import { cleanUpWorkers, NO_OLLAMA, runTaskToEnd, spawnWorker, tempDir } from "./e2e/support.ts";
import { type FakeCliRecord, pathWithFakes, readFakeArgs } from "./fakes/index.ts";

const forbidden = /^(GARAGESWARM_|DATABASE_URL$|REDIS_URL$)/i;

function expectNoSecrets(seen: FakeCliRecord, secrets: string[]) {
  expect(Object.keys(seen.env).filter((name) => forbidden.test(name))).toEqual([]);
  for (const secret of secrets) {
    expect(Object.values(seen.env).some((value) => value.includes(secret))).toBe(false);
  }
}

describe.skipIf(postgresStackMissing())("A6: what a tool process can see", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "a6 worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(() => server?.close());

  it("a worker's tools get the allow-list, their own vendor variables and --pass-env names — never its key or secrets", async () => {
    const argsFile = join(await tempDir("gs-a6-"), "seen.json");
    const worker = await spawnWorker({
      server: server.url,
      key,
      args: ["--enable-shell", "--pass-env", "GS_FAKE_ARGS_FILE,EXTRA_ONE"],
      env: {
        GARAGESWARM_KEY: key,
        GARAGESWARM_JWT_SECRET: "jwt-secret-that-must-not-leak-0123456789",
        DATABASE_URL: "postgres://gs:db-password-must-not-leak@127.0.0.1:5432/gs",
        REDIS_URL: "redis://:redis-password-must-not-leak@127.0.0.1:6379",
        SOME_SECRET: "unlisted-secret",
        EXTRA_ONE: "passed on purpose",
        EXTRA_TWO: "not passed",
        // Claude Code's own variables (not read by the worker itself, so no API tool starts calling out).
        ANTHROPIC_AUTH_TOKEN: "owner-claude-token",
        GOOGLE_CLOUD_PROJECT: "owner-gemini-project",
        GS_FAKE_ARGS_FILE: argsFile,
      },
    });
    await worker.waitForLog(/connected over WebSocket/);
    const secrets = [key, "jwt-secret-that-must-not-leak", "db-password-must-not-leak", "redis-password-must-not-leak"];

    const claude = await runTaskToEnd(api, user.access_token, { description: "print your env", tool: "claude_code" });
    expect(claude.status).toBe("completed");
    const seenByClaude = await readFakeArgs(argsFile);
    expectNoSecrets(seenByClaude, secrets);
    expect(seenByClaude.env).toMatchObject({
      EXTRA_ONE: "passed on purpose",
      ANTHROPIC_AUTH_TOKEN: "owner-claude-token",
      PATH: pathWithFakes(process.env.PATH),
    });
    expect(seenByClaude.env.HOME).toBe(process.env.HOME);
    for (const name of ["SOME_SECRET", "EXTRA_TWO", "GOOGLE_CLOUD_PROJECT", "OLLAMA_HOST"]) {
      expect(seenByClaude.env[name]).toBeUndefined();
    }

    const gemini = await runTaskToEnd(api, user.access_token, { description: "print your env", tool: "gemini_cli" });
    expect(gemini.status).toBe("completed");
    const seenByGemini = await readFakeArgs(argsFile);
    expectNoSecrets(seenByGemini, secrets);
    // Each tool gets its own vendor's variables, not another's.
    expect(seenByGemini.env.GOOGLE_CLOUD_PROJECT).toBe("owner-gemini-project");
    expect(seenByGemini.env.ANTHROPIC_AUTH_TOKEN).toBeUndefined();

    const shell = await runTaskToEnd(api, user.access_token, { description: "env", prompt: "env", tool: "shell" });
    expect(shell.status).toBe("completed");
    const names = (shell.result.output as string).split("\n").map((line) => line.split("=")[0] ?? "");
    expect(names.filter((name) => forbidden.test(name))).toEqual([]);
    for (const secret of secrets) expect(shell.result.output).not.toContain(secret);
    expect(names).not.toContain("ANTHROPIC_AUTH_TOKEN");
    expect(names).toContain("EXTRA_ONE");
  });

  it("--pass-env refuses the names that hold secrets", async () => {
    const worker = await spawnWorker({ server: server.url, key, args: ["--pass-env", "HOME,GARAGESWARM_KEY"] });
    const exit = await worker.exited;
    expect(exit.code).not.toBe(0);
    expect(worker.log()).toMatch(/--pass-env: GARAGESWARM_KEY is never passed to tools/);
  });
});

describe.skipIf(postgresStackMissing())("A6: the local worker of garageswarm up", () => {
  const adminPassword = "a6-admin-password-must-not-leak";
  const jwtSecret = "a6-jwt-secret-must-not-leak-0123456789abcdef";
  let server: TestServer;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "gs-up-a6-"));
    server = await startTestServer({ dataDir, adminPassword, jwtSecret, heartbeatIntervalSeconds: 1 });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("runs tools without the server's secrets, outside the data dir that holds its key and database", async () => {
    const argsFile = join(dataDir, "..", `${dataDir.split("/").pop()}-seen.json`);
    // The server's process environment as `up` has it, secrets included.
    const env: NodeJS.ProcessEnv = {
      PATH: pathWithFakes(process.env.PATH),
      HOME: process.env.HOME,
      OLLAMA_HOST: NO_OLLAMA,
      GARAGESWARM_JWT_SECRET: jwtSecret,
      GARAGESWARM_ADMIN_PASSWORD: adminPassword,
      GARAGESWARM_DATA_DIR: dataDir,
      DATABASE_URL: "postgres://gs:up-db-password@127.0.0.1:5432/gs",
      REDIS_URL: "redis://:up-redis-password@127.0.0.1:6379",
      GARAGESWARM_PASS_ENV: "GS_FAKE_ARGS_FILE",
      GS_FAKE_ARGS_FILE: argsFile,
    };
    const local = await startLocalWorker(server, { env });
    try {
      const api = apiClient(server.url);
      const admin = (await api.post("/api/v1/auth/login", { username: "admin", password: adminPassword })).body;
      const task = await runTaskToEnd(api, admin.access_token, { description: "summarise", tool: "claude_code" });
      expect(task).toMatchObject({ status: "completed", worker_id: local.worker_id });

      const seen = await readFakeArgs(argsFile);
      expectNoSecrets(seen, [jwtSecret, adminPassword, "up-db-password", "up-redis-password"]);
      expect(Object.keys(seen.env)).not.toContain("GARAGESWARM_DATA_DIR");
      // The workdir is not under the data dir, and no directory above it holds the key file or the database.
      expect(relative(dataDir, seen.cwd).startsWith("..")).toBe(true);
      for (let dir = dirname(seen.cwd); dir !== dirname(dir); dir = dirname(dir)) {
        expect(existsSync(join(dir, "local-worker.key"))).toBe(false);
        expect(existsSync(join(dir, "worker", "machine-id"))).toBe(false);
      }
      expect(existsSync(join(dataDir, "local-worker.key"))).toBe(true);
    } finally {
      await local.stop();
      await rm(argsFile, { force: true });
    }
  });
});
