// The first start creates an admin and says how to sign in; later starts keep every row and say nothing.
// A generated password reaches only a terminal, or a 0600 file (B5).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadServerConfig, type ServerConfig, startServer } from "@garageswarm/server";
import { afterAll, describe, expect, it } from "vitest";
import { testRedisUrl, testStack } from "../../../test/support/env.ts";
import { apiClient } from "../../../test/support/http.ts";
import { createTestDatabase, postgresStackMissing } from "../../../test/support/server.ts";

describe.skipIf(postgresStackMissing())("first start and restart", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "gs-first-start-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function configFor(settings: Partial<ServerConfig>): Promise<ServerConfig> {
    const base = { host: "127.0.0.1", port: 0, logLevel: "silent" as const, dataDir, ...settings };
    if (testStack === "embedded") return loadServerConfig(base, {});
    const database = await createTestDatabase();
    await database.store.close();
    return loadServerConfig({ ...base, databaseUrl: database.databaseUrl, redisUrl: testRedisUrl }, {});
  }

  it("creates the first admin once with the configured password, and keeps users across restarts", async () => {
    const config = await configFor({ adminPassword: "first-admin-pw" });
    const first = await startServer(config);
    let userName: string;
    try {
      expect(first.notices.join("\n")).toMatch(/username: admin/);
      expect(first.notices.join("\n")).not.toContain("first-admin-pw");
      const api = apiClient(first.url);
      const login = await api.post("/api/v1/auth/login", { username: "admin", password: "first-admin-pw" });
      expect(login.status).toBe(200);
      expect((await api.get("/api/v1/auth/me", { token: login.body.access_token })).body.is_admin).toBe(true);
      // Registration is by invite by default: the admin creates the account.
      userName = "kept_user";
      const created = await api.post(
        "/api/v1/admin/users",
        { username: userName, email: "kept@example.test", password: "kept-user-pw" },
        { token: login.body.access_token },
      );
      expect(created.status).toBe(201);
    } finally {
      await first.close();
    }

    const second = await startServer(config);
    try {
      expect(second.notices).toEqual([]);
      const api = apiClient(second.url);
      const admin = await api.post("/api/v1/auth/login", { username: "admin", password: "first-admin-pw" });
      expect(admin.status).toBe(200);
      // Tokens signed before the restart stay valid: the signing secret is stored, not regenerated.
      const me = await api.get("/api/v1/auth/me", { token: admin.body.access_token });
      expect(me.body.username).toBe("admin");
      const users = await second.resources.db.query.users.findMany();
      expect(users.map((user) => user.username).sort()).toEqual(["admin", userName].sort());
    } finally {
      await second.close();
    }
  });

  // B5: a generated password printed on stdout ends up wherever a service's output is kept (journald, docker).
  it("writes a generated password to a 0600 file, not the notices, when stdout is not a terminal", async () => {
    const config = await configFor({ dataDir: mkdtempSync(join(tmpdir(), "gs-first-start-gen-")) });
    const server = await startServer(config);
    try {
      const file = join(config.dataDir, "admin-password.txt");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, "utf8").trim();
      expect(password.length).toBeGreaterThanOrEqual(16);
      const notices = server.notices.join("\n");
      expect(notices).not.toContain(password);
      expect(notices).toContain(`password: in ${file}`);
      const login = await apiClient(server.url).post("/api/v1/auth/login", { username: "admin", password });
      expect(login.status).toBe(200);
    } finally {
      await server.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it("shows a generated password once, and writes no file, when stdout is a terminal", async () => {
    const config = await configFor({ dataDir: mkdtempSync(join(tmpdir(), "gs-first-start-tty-")) });
    const server = await startServer(config, { terminal: true });
    try {
      expect(existsSync(join(config.dataDir, "admin-password.txt"))).toBe(false);
      const line = server.notices.find((notice) => notice.includes("password:")) ?? "";
      const password = /password: (\S+)/.exec(line)?.[1];
      expect(password).toBeTruthy();
      const login = await apiClient(server.url).post("/api/v1/auth/login", { username: "admin", password });
      expect(login.status).toBe(200);
    } finally {
      await server.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
