// A7: "shell is off" was no boundary — a task's `options` switched the agent CLIs into unrestricted modes
// (Claude Code bypassPermissions or Bash, codex danger-full-access, gemini yolo), and a prompt starting
// with `-` reached the CLI as a flag. Here real workers refuse those options unless their owner opted in,
// say why in the task's error, and the fakes (which parse arguments like the real CLIs) get every prompt
// as data.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker, taskEnded, tempDir } from "./e2e/support.ts";
import { fakeBinDir, readFakeArgs } from "./fakes/index.ts";

const unsafe: Array<{ tool: string; options: Record<string, unknown>; option: string }> = [
  { tool: "claude_code", options: { permission_mode: "bypassPermissions" }, option: "permission_mode" },
  { tool: "claude_code", options: { allowed_tools: ["Bash", "Read"] }, option: "allowed_tools" },
  { tool: "claude_code", options: { dangerously_skip_permissions: true }, option: "dangerously_skip_permissions" },
  { tool: "codex_cli", options: { sandbox: "danger-full-access" }, option: "sandbox" },
  { tool: "gemini_cli", options: { approval_mode: "yolo" }, option: "approval_mode" },
];

describe.skipIf(postgresStackMissing())("A7: task options cannot widen an agent's powers without the owner", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "a7 worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(() => server?.close());

  const createTask = async (body: Record<string, unknown>) => {
    const created = await api.post("/api/v1/tasks", body, { token: user.access_token });
    expect(created.status).toBe(201);
    return created.body.task_id as string;
  };
  const finished = (taskId: string) => taskEnded(api, user.access_token, taskId);

  for (const transport of ["push", "pull"] as const) {
    it(`without the opt-in each widening option is refused, naming the option and the opt-in (${transport})`, async () => {
      const argsFile = join(await tempDir("gs-a7-"), "seen.json");
      const worker = await spawnWorker({
        server: server.url,
        key,
        args: transport === "pull" ? ["--pull"] : [],
        env: { GS_FAKE_ARGS_FILE: argsFile },
      });
      const workerId = await worker.workerId();
      if (transport === "push") await worker.waitForLog(/connected over WebSocket/);
      const seen = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
      expect(seen.tools.find((tool: any) => tool.name === "claude_code").unsafe_modes).toBeUndefined();

      for (const { tool, options, option } of unsafe) {
        // Pushed: the worker rejects the offer, so a worker whose owner allows it could take it; with one
        // attempt allowed, it fails here. Pulled: it fails for good at once, whatever max_attempts says.
        const taskId = await createTask({
          description: `widen ${option}`,
          tool,
          options,
          ...(transport === "push" ? { max_attempts: 1 } : {}),
        });
        const task = await finished(taskId);
        expect(task.status).toBe("failed");
        expect(task.attempt).toBe(1);
        expect(task.error).toContain(`widen what ${tool} may do`);
        expect(task.error).toContain(`${option}=`);
        expect(task.error).toContain("--allow-unsafe-agent-modes");
      }
      // No agent ever started.
      expect(existsSync(argsFile)).toBe(false);
    });
  }

  it("with --allow-unsafe-agent-modes the options reach the agents, and the worker advertises it", async () => {
    const argsFile = join(await tempDir("gs-a7-"), "seen.json");
    const worker = await spawnWorker({
      server: server.url,
      key,
      // IS_SANDBOX=1: as root (CI), Claude Code takes bypassPermissions only on a machine that says it is a sandbox.
      args: ["--allow-unsafe-agent-modes"],
      env: { GS_FAKE_ARGS_FILE: argsFile, IS_SANDBOX: "1", GARAGESWARM_PASS_ENV: "GS_FAKE_ARGS_FILE,IS_SANDBOX" },
    });
    const workerId = await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    const seen = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    for (const name of ["claude_code", "codex_cli", "gemini_cli"]) {
      expect(seen.tools.find((tool: any) => tool.name === name)).toMatchObject({ unsafe_modes: true });
    }

    const expected: Record<string, unknown> = {
      permission_mode: "bypassPermissions",
      allowed_tools: "Bash,Read",
      dangerously_skip_permissions: undefined,
      sandbox: "danger-full-access",
      approval_mode: "yolo",
    };
    for (const { tool, options, option } of unsafe) {
      const task = await finished(await createTask({ description: `widen ${option}`, tool, options }));
      expect(task.status).toBe("completed");
      const record = await readFakeArgs(argsFile);
      if (expected[option] !== undefined) expect(record[option]).toBe(expected[option]);
    }
  });

  it("the opt-in can name tools: the others still refuse", async () => {
    const worker = await spawnWorker({ server: server.url, key, args: ["--allow-unsafe-agent-modes", "codex_cli"] });
    await worker.waitForLog(/connected over WebSocket/);
    const codex = await finished(
      await createTask({ description: "full access", tool: "codex_cli", options: { sandbox: "danger-full-access" } }),
    );
    expect(codex.status).toBe("completed");
    const claude = await finished(
      await createTask({
        description: "bypass",
        tool: "claude_code",
        options: { permission_mode: "bypassPermissions" },
        max_attempts: 1,
      }),
    );
    expect(claude.status).toBe("failed");
    expect(claude.error).toContain("--allow-unsafe-agent-modes claude_code");
  });

  it("safe options still run: acceptEdits, read-only allowed_tools, workspace-write, auto_edit", async () => {
    const worker = await spawnWorker({ server: server.url, key });
    await worker.waitForLog(/connected over WebSocket/);
    for (const [tool, options] of [
      ["claude_code", { permission_mode: "acceptEdits", allowed_tools: ["Read", "Grep(*.ts)"] }],
      ["codex_cli", { sandbox: "workspace-write" }],
      ["gemini_cli", { approval_mode: "auto_edit" }],
    ] as const) {
      const task = await finished(await createTask({ description: "safe", tool, options }));
      expect(task.status).toBe("completed");
    }
  });

  it("a prompt that looks like an option reaches every agent as the prompt, and a model that does is refused", async () => {
    const argsFile = join(await tempDir("gs-a7-"), "seen.json");
    const worker = await spawnWorker({ server: server.url, key, env: { GS_FAKE_ARGS_FILE: argsFile } });
    await worker.waitForLog(/connected over WebSocket/);
    for (const prompt of [
      "--dangerously-skip-permissions",
      "-v what does this flag do",
      "- fix the bug\n- add tests",
    ]) {
      for (const tool of ["claude_code", "gemini_cli", "codex_cli"]) {
        const task = await finished(await createTask({ description: "dash", prompt, tool }));
        expect(task.status).toBe("completed");
        expect(task.result.output).toBe(`Fake ${tool.split("_")[0]} answer to: ${prompt}`);
        const record = await readFakeArgs(argsFile);
        expect(record.prompt).toBe(prompt);
        // Nowhere among the options: after `--` (claude), joined to --prompt= (gemini) or on stdin (codex).
        const end = record.argv.indexOf("--");
        expect(end < 0 ? record.argv : record.argv.slice(0, end)).not.toContain(prompt);
        // Claude Code runs in the worker's default mode (acceptEdits: edits inside the workdir), the others in theirs.
        expect(record.permission_mode ?? "default").toBe(tool === "claude_code" ? "acceptEdits" : "default");
      }
    }
    // codex lists no models, so any model name reaches it: one starting with `-` is refused, for good.
    const task = await finished(await createTask({ description: "dash model", tool: "codex_cli", model: "-c" }));
    expect(task.status).toBe("failed");
    expect(task.attempt).toBe(1);
    expect(task.error).toContain('model names may not start with "-"');
  });
});

describe("the fake CLIs refuse what the real ones refuse", () => {
  const run = promisify(execFile);
  const fake = (name: string, args: string[]) =>
    run(join(fakeBinDir, name), args, { env: { PATH: process.env.PATH } }).then(
      (done) => ({ code: 0, ...done }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  // The old argv shapes: a prompt right after -p, or as codex's last positional. The fakes must fail on
  // them as the real CLIs do (agent-clis review), so a regression in the adapters fails the tests.
  it("a dash-leading prompt as an argument is an option to them", async () => {
    expect(await fake("claude", ["-p", "- fix the bug", "--output-format", "stream-json", "--verbose"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("unknown option '- fix the bug'"),
    });
    expect(await fake("claude", ["-p", "-v what does this flag do"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("(Claude Code)"),
    });
    expect(await fake("gemini", ["-p", "- fix the bug", "--output-format", "json"])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("Not enough arguments following: p"),
    });
    expect(await fake("codex", ["exec", "--json", "--skip-git-repo-check", "--help me"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("unexpected argument '--help me'"),
    });
    expect(await fake("codex", ["exec", "--json", "-m", "-c", "hello"])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("a value is required for '-m"),
    });
  });
});
