// The CLI as a person runs it: spawned, against a real server.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
  return port;
}

describe("garageswarm --help", () => {
  it("lists every command, and each command explains its flags", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    for (const command of ["up", "server", "worker", "login", "logout", "task", "keys"]) {
      expect(top.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
    }
    const worker = await runCli(["worker", "--help"]);
    for (const flag of [
      "--server",
      "--key",
      "--state-dir",
      "--slots",
      "--pull",
      "--labels",
      "--enable-shell",
      "--name",
    ]) {
      expect(worker.stdout).toContain(flag);
    }
    expect(worker.stdout).toContain("GARAGESWARM_SERVER");
    const create = await runCli(["task", "create", "--help"]);
    for (const flag of ["--tool", "--model", "--priority", "--wait"]) expect(create.stdout).toContain(flag);
    const logs = await runCli(["task", "logs", "--help"]);
    expect(logs.stdout).toContain("--follow");
  });
});

describe("errors a person can act on", () => {
  it("says when the server cannot be reached", async () => {
    const port = await closedPort();
    const run = await runCli(["task", "list", "--server", `http://127.0.0.1:${port}`, "--key", "gs_whatever"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the server at http://127.0.0.1:${port}`);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("tells you to log in when there is no key and no stored login", async ({ server }) => {
    const dir = await mkdtemp(join(tmpdir(), "gs-cli-"));
    try {
      const run = await runCli(["task", "list", "--server", server.url], {
        GARAGESWARM_CONFIG: join(dir, "cli.json"),
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("garageswarm login");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a worker without a key explains where to put one", async () => {
    const run = await runCli(["worker", "--server", "http://127.0.0.1:1", "--state-dir", join(tmpdir(), "gs-nokey")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("--key");
  });
});

describe.skipIf(postgresStackMissing())("the CLI against a real server", () => {
  it("task create prints the new task's id, and task get shows it", async ({ server, api, user, key }) => {
    const created = await runCli([
      "task",
      "create",
      "summarize",
      "the",
      "readme",
      "--tool",
      "ollama",
      "--model",
      "llama3.2",
      "--priority",
      "5",
      "--server",
      server.url,
      "--key",
      key,
    ]);
    expect(created.code).toBe(0);
    const taskId = created.stdout.trim();
    expect(taskId).toMatch(/^[0-9a-f-]{36}$/);
    const stored = await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token });
    expect(stored.body).toMatchObject({
      description: "summarize the readme",
      tool: "ollama",
      model: "llama3.2",
      priority: 5,
      status: "queued",
    });

    const shown = await runCli(["task", "get", taskId, "--server", server.url, "--key", key]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^status\s+queued \(attempt 0 of 3\)$/m);
    expect(shown.stdout).toMatch(/^tool\s+ollama \(llama3\.2\)$/m);

    const json = await runCli(["task", "get", taskId, "--json", "--server", server.url], { GARAGESWARM_KEY: key });
    expect(JSON.parse(json.stdout)).toMatchObject({ task_id: taskId, status: "queued" });
  });

  it("task create-batch creates a JSON Lines file's tasks in order, or none, naming the bad line", async ({
    server,
    api,
    user,
    key,
  }) => {
    const dir = await mkdtemp(join(tmpdir(), "gs-batch-"));
    try {
      const file = join(dir, "tasks.jsonl");
      const lines = ["first", "second", "third"].map((description) => JSON.stringify({ description, tool: "shell" }));
      await writeFile(file, `${lines[0]}\n\n${lines[1]}\n${lines[2]}\n`);
      const created = await runCli(["task", "create-batch", file, "--server", server.url, "--key", key]);
      expect(created.code).toBe(0);
      const ids = created.stdout.trim().split("\n");
      expect(ids).toHaveLength(3);
      const descriptions = [];
      for (const id of ids) {
        descriptions.push((await api.get(`/api/v1/tasks/${id}`, { token: user.access_token })).body.description);
      }
      expect(descriptions).toEqual(["first", "second", "third"]);

      const before = (await api.get("/api/v1/tasks?limit=100", { token: user.access_token })).body.items.length;
      await writeFile(file, `${lines[0]}\n${JSON.stringify({ description: "bad", tool: "shell", priority: 500 })}\n`);
      const refused = await runCli(["task", "create-batch", file, "--server", server.url, "--key", key]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("line 2: priority");
      const after = (await api.get("/api/v1/tasks?limit=100", { token: user.access_token })).body.items.length;
      expect(after).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a refused key and bad input get one clear line each", async ({ server, key }) => {
    const refused = await runCli(["task", "list", "--server", server.url, "--key", "gs_not_a_real_key"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused the API key");
    const bad = await runCli([
      "task",
      "create",
      "x",
      "--tool",
      "ollama",
      "--priority",
      "500",
      "--server",
      server.url,
      "--key",
      key,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/priority/);
    expect(bad.stderr).toContain("HTTP 400");
  });

  it("login stores a session (owner-only file) that later commands use", async ({ server, user, dir }) => {
    const env = { GARAGESWARM_CONFIG: join(dir, "cli.json") };
    const login = await runCli(
      ["login", "--server", server.url, "--username", user.username],
      env,
      `${user.password}\n`,
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${server.url} as ${user.username}`);
    const file = await stat(env.GARAGESWARM_CONFIG);
    expect(file.mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(env.GARAGESWARM_CONFIG, "utf8"))).toMatchObject({ server: server.url });

    const created = await runCli(["task", "create", "from a session", "--tool", "shell"], env);
    expect(created.code).toBe(0);
    const listed = await runCli(["task", "list"], env);
    expect(listed.stdout).toContain(created.stdout.trim());
    expect(listed.stdout).toContain("from a session");

    const wrong = await runCli(
      ["login", "--server", server.url, "--username", user.username, "--password", "nope-nope"],
      env,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("wrong username or password");
  });

  it("keys create shows the secret once; list and revoke manage it", async ({ server, key }) => {
    const created = await runCli(["keys", "create", "laptop", "--server", server.url, "--key", key]);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^gs_/);
    const listed = await runCli(["keys", "list", "--json", "--server", server.url, "--key", key]);
    const laptop = JSON.parse(listed.stdout).find((item: any) => item.name === "laptop");
    expect(laptop).toMatchObject({ revoked_at: null });
    const revoked = await runCli(["keys", "revoke", laptop.key_id, "--server", server.url, "--key", key]);
    expect(revoked.code).toBe(0);
    const refused = await runCli(["task", "list", "--server", server.url, "--key", secret]);
    expect(refused.stderr).toContain("refused the API key");
  });

  it("keys create --scope worker makes a key that cannot read tasks (A9)", async ({ server, key }) => {
    const created = await runCli([
      "keys",
      "create",
      "gpu box",
      "--scope",
      "worker",
      "--json",
      "--server",
      server.url,
      "--key",
      key,
    ]);
    expect(created.code).toBe(0);
    const workerKey = JSON.parse(created.stdout);
    expect(workerKey).toMatchObject({ scope: "worker" });
    const refused = await runCli(["task", "list", "--server", server.url, "--key", workerKey.key]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('scope "worker"');
    const badScope = await runCli(["keys", "create", "x", "--scope", "admin", "--server", server.url, "--key", key]);
    expect(badScope.code).not.toBe(0);
  });
});
