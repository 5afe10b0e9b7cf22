// A5 (security review 2026-12-01), first half: PGlite wrote its files 0666 (969 of 1069 files under
// data/db), the data dir was 0755 and log files 0644, so any local user could read the signing secret and
// password hashes or rewrite rows. This test starts a real server on a fresh data dir (an existing 0755 one,
// as an older install left it), writes through the API, and asserts that nothing under the data dir is
// readable or writable by group or others, while running and after shutdown.
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureLocalWorkerKey, loadServerConfig, startServer } from "@garageswarm/server";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { testRedisUrl, testStack } from "../../../test/support/env.ts";
import { apiClient } from "../../../test/support/http.ts";
import { createTestDatabase, postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { createTask, registerWorker } from "./queue.support.ts";

/** Every path under `root` (itself included) whose mode lets group or others in, with that mode. */
async function openToOthers(root: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (path: string) => {
    const stat = await lstat(path);
    if ((stat.mode & 0o077) !== 0) found.push(`${(stat.mode & 0o777).toString(8)} ${path}`);
    if (stat.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  await visit(root);
  return found;
}

describe.skipIf(postgresStackMissing())("A5: the data dir and everything in it is private", () => {
  const parent = mkdtempSync(join(tmpdir(), "gs-modes-"));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it("keeps the data dir 0700 and its files 0600 through start, writes, a checkpoint and shutdown", async () => {
    const dataDir = join(parent, "data");
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    const base = { host: "127.0.0.1", port: 0, logLevel: "silent" as const, dataDir, registration: "open" as const };
    let config = loadServerConfig(base, {});
    if (testStack === "postgres") {
      const database = await createTestDatabase();
      await database.store.close();
      config = loadServerConfig({ ...base, databaseUrl: database.databaseUrl, redisUrl: testRedisUrl }, {});
    }
    const server = await startServer(config);
    try {
      const api = apiClient(server.url);
      const user = await createUser(api);
      const key = await createApiKey(api, user);
      await registerWorker(api, key, { tools: ["ollama"] });
      for (let index = 0; index < 20; index++) {
        await createTask(api, user.access_token, { tool: "ollama", prompt: "x".repeat(50_000) });
      }
      await ensureLocalWorkerKey(server.resources);
      if (testStack === "embedded") await server.resources.db.execute(sql`checkpoint`);

      expect(await openToOthers(dataDir)).toEqual([]);
      expect((await lstat(dataDir)).mode & 0o777).toBe(0o700);
      if (testStack === "embedded") expect((await lstat(join(dataDir, "db"))).mode & 0o777).toBe(0o700);
    } finally {
      await server.close();
    }
    expect(await openToOthers(dataDir)).toEqual([]);
  });
});
