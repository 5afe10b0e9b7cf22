// `task create` with a preference list of tools, a limit policy, and `--wait` saying why the task waits.
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

describe.skipIf(postgresStackMissing())("task create: tools, limits and waiting", () => {
  it("takes a comma list of tools or any, and a limit policy", async ({ server, api, user, key }) => {
    const connection = ["--server", server.url, "--key", key];
    const listed = await runCli([
      "task",
      "create",
      "fix the test",
      "--tool",
      "claude_code, codex_cli",
      "--on-limit",
      "failover",
      ...connection,
    ]);
    expect(listed.code).toBe(0);
    const stored = await api.get(`/api/v1/tasks/${listed.stdout.trim()}`, { token: user.access_token });
    expect(stored.body).toMatchObject({
      tool: "claude_code",
      tools: ["claude_code", "codex_cli"],
      on_limit: "failover",
    });

    const any = await runCli(["task", "create", "anything goes", "--tool", "any", "--json", ...connection]);
    expect(JSON.parse(any.stdout)).toMatchObject({ tools: expect.arrayContaining(["claude_code", "ollama"]) });
    expect(JSON.parse(any.stdout).on_limit).toBe("wait");

    const shown = await runCli(["task", "get", listed.stdout.trim(), ...connection]);
    expect(shown.stdout).toMatch(/^tools\s+claude_code, codex_cli \(in this order\)$/m);
    expect(shown.stdout).toMatch(/^on limit\s+fail over to another tool or worker$/m);
    expect(shown.stdout).toMatch(/^waiting\s+you have no worker to run it on/m);

    const unknown = await runCli(["task", "create", "x", "--tool", "claude_code,vim", ...connection]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--tool: unknown tool "vim"');
    const policy = await runCli(["task", "create", "x", "--tool", "ollama", "--on-limit", "retry", ...connection]);
    expect(policy.code).toBe(1);
    expect(policy.stderr).toContain("--on-limit");
    const model = await runCli(["task", "create", "x", "--tool", "ollama,shell", "--model", "qwen3", ...connection]);
    expect(model.code).toBe(1);
    expect(model.stderr).toContain("model");
  });

  it("--wait says why the task waits after a few seconds, and again when the reason changes", async ({
    server,
    api,
    user,
    key,
  }) => {
    let stderr = "";
    let seen: () => void = () => {};
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        seen = () => stderr.includes(text) && resolve();
        seen();
      });
    const waiting = runCli(
      ["task", "create", "summarize", "--tool", "ollama", "--wait", "--server", server.url],
      { GARAGESWARM_KEY: key },
      "",
      undefined,
      (text) => {
        stderr = text;
        seen();
      },
    );
    await printed("Waiting: you have no worker to run it on");
    await api.post(
      "/api/v1/workers/register",
      {
        machine_id: "cli-wait",
        machine_name: "test box",
        platform: "linux",
        tools: [{ name: "claude_code", version: "1", models: [], healthy: true }],
        slots: 1,
      },
      { token: key },
    );
    await printed("Waiting: no online worker offers Ollama");
    const taskId = /Task ([0-9a-f-]{36}) queued/.exec(stderr)?.[1];
    await api.post(`/api/v1/tasks/${taskId}/cancel`, undefined, { token: user.access_token });
    const run = await waiting;
    expect(run.code).toBe(1);
    // Each reason once, however many times the CLI read the task meanwhile.
    expect(run.stderr.split("\n").filter((line) => line.startsWith("Waiting: "))).toEqual([
      "Waiting: you have no worker to run it on: register one, or accept a share of someone's",
      "Waiting: no online worker offers Ollama",
    ]);
    expect(run.stderr).toContain("cancelled");
  });
});
