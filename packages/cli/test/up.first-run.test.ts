// `garageswarm up` on a machine with no AI tool, as a newcomer starts it: the terminal says so in words
// (which tools it looked for, how to get one, the dashboard's URL), not only in a JSON log line; with
// --enable-shell the local worker offers the shell tool, says nothing of the kind, and runs the README's
// tool-free example.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { apiClient } from "../../../test/support/http.ts";
import { runCli } from "./cli.support.ts";

const cliBin = resolve(dirname(fileURLToPath(import.meta.url)), "../bin/garageswarm.js");
const running: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** Starts `garageswarm up` with no tool to find, and resolves with its output once `until` shows in it. */
const adminPassword = "first-run-test-pw";

async function up(
  extra: string[],
  until: RegExp,
): Promise<{ output: () => string; url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "gs-up-first-"));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [cliBin, "up", "--host", "127.0.0.1", "--port", String(port), "--data-dir", join(dir, "data"), ...extra],
    {
      cwd: dir,
      // No claude, gemini or codex on this PATH, no API key, and an Ollama address where nothing listens.
      env: {
        PATH: dirname(process.execPath),
        HOME: dir,
        OLLAMA_HOST: "http://127.0.0.1:9",
        GARAGESWARM_ADMIN_PASSWORD: adminPassword,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.push(child);
  let stdout = "";
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  await new Promise<void>((done, fail) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      if (until.test(stdout)) done();
    });
    child.stderr?.on("data", () => {});
    child.once("exit", (code) => fail(new Error(`up exited ${code} before printing ${until}:\n${stdout}`)));
  });
  return {
    // All it printed so far, read when asked.
    output: () => stdout,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGINT");
      await exited;
    },
  };
}

describe("garageswarm up on a machine with no AI tool", () => {
  it("says in words which tools the local worker looked for, how to get one, and where the dashboard is", {
    timeout: 120_000,
  }, async () => {
    const started = await up([], /create a task\.\n/);
    await started.stop();
    const stdout = started.output();
    const lines = stdout.split("\n");
    expect(lines).toContain("  The local worker found no AI tool on this machine, so tasks will wait. It looked for:");
    expect(stdout).toContain("`claude`, `gemini`, `codex` on PATH");
    expect(stdout).toContain("Ollama at OLLAMA_HOST");
    expect(stdout).toContain("ANTHROPIC_API_KEY");
    expect(stdout).toContain("restart with --enable-shell");
    expect(stdout).toMatch(/^ {2}Then open http:\/\/127\.0\.0\.1:\d+ and create a task\.$/m);
    // The human lines are plain text, not a JSON log record.
    expect(lines.filter((line) => line.includes("found no AI tool")).every((line) => !line.startsWith("{"))).toBe(true);
  });

  it("with --enable-shell, the local worker offers the shell tool and the hint is not printed", {
    timeout: 120_000,
  }, async () => {
    const started = await up(["--enable-shell"], /local worker: [0-9a-f-]{36}/);
    // The README's tool-free example, run as written against it.
    const api = apiClient(started.url);
    const admin = (await api.post("/api/v1/auth/login", { username: "admin", password: adminPassword })).body;
    const key = (await api.post("/api/v1/keys", { name: "readme" }, { token: admin.access_token })).body.key;
    const task = await runCli(
      ["task", "create", "echo hello from the swarm", "--tool", "shell", "--wait", "--server", started.url],
      { GARAGESWARM_KEY: key, GARAGESWARM_CONFIG: join(dirs[0] as string, "cli.json") },
    );
    await started.stop();
    expect(task.stdout).toContain("hello from the swarm");
    expect(task.code).toBe(0);
    expect(started.output()).toMatch(/tools: shell/);
    expect(started.output()).not.toContain("found no AI tool");
  });
});
