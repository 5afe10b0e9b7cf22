// A server in its own process (workflows.restart.child.ts), for tests that kill and restart it over the same
// database: the store's settings for the test stack, starting, killing, and waiting without fixed sleeps.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testRedisUrl, testStack } from "../../../test/support/env.ts";
import { createTestDatabase } from "../../../test/support/server.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const childScript = fileURLToPath(new URL("./workflows.restart.child.ts", import.meta.url));

export interface Child {
  process: ChildProcess;
  url: string;
}

/**
 * Env for child servers sharing one store (a fresh database or data dir), and how to remove it afterwards.
 * Registration is open, as on every test server.
 */
export async function childStore(name: string): Promise<{ env: Record<string, string>; remove(): Promise<void> }> {
  if (testStack === "postgres") {
    const database = await createTestDatabase();
    return {
      env: {
        DATABASE_URL: database.databaseUrl!,
        REDIS_URL: testRedisUrl,
        GARAGESWARM_REDIS_PREFIX: `gs-${name}-${Date.now()}:`,
      },
      remove: () => database.close(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `gs-${name}-`));
  return {
    env: { GARAGESWARM_DATA_DIR: dataDir },
    remove: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Starts a server process; resolves once it listens. `nodeOptions` go to node itself (a heap limit, say). */
export function startChild(env: Record<string, string>, nodeOptions: string[] = []): Promise<Child> {
  const child = spawn(process.execPath, [...nodeOptions, "--import", "tsx", childScript], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: "silent", GARAGESWARM_REGISTRATION: "open", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr!.on("data", (chunk) => {
      err += chunk;
    });
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((candidate) => candidate.startsWith("{"));
      if (line) resolve({ process: child, url: JSON.parse(line).url });
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code} before listening: ${err}`)));
  });
}

export function kill(child: Child): Promise<void> {
  return new Promise((resolve) => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
    child.process.once("exit", () => resolve());
    child.process.kill("SIGKILL");
  });
}

/** Polls until `check` answers a value (the server's own advancer works at its pace; nothing here sleeps a fixed time). */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
