// `task logs`, `task logs --follow` and `task get` show what the dashboard shows: each attempt with its worker,
// duration and outcome, the agent's text on stdout, and its tool calls with their results as readable lines on
// stderr. The output is what the worker's real Claude Code adapter streams for a run recorded from the real CLI.
import { readFileSync } from "node:fs";
import { describe, expect } from "vitest";
import type { ApiClient as Api } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { ClaudeStream } from "../../worker/src/tools/claude-code.ts";
import type { OutputStream } from "../../worker/src/tools/tool.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

function claudeChunks(fixture: string): Array<{ seq: number; stream: OutputStream; chunk: string }> {
  const streamed: Array<{ stream: OutputStream; chunk: string }> = [];
  const reader = new ClaudeStream({
    signal: new AbortController().signal,
    workdir: "/nonexistent",
    onOutput: (chunk, stream = "stdout") => {
      streamed.push({ chunk, stream });
    },
  });
  const path = new URL(`../../worker/test/fixtures/claude-code/${fixture}.jsonl`, import.meta.url);
  for (const line of readFileSync(path, "utf8").split("\n")) reader.read(line);
  return streamed.map((entry, seq) => ({ seq, ...entry }));
}

/** A task on a worker "laptop" that has streamed the recorded Claude Code run; `fail` ends its only attempt. */
async function runningTask({ api, user, key }: { api: Api; user: { access_token: string }; key: string }) {
  const laptop = (
    await api.post(
      "/api/v1/workers/register",
      {
        machine_id: `logs-${Math.random()}`,
        machine_name: "laptop",
        platform: "linux",
        tools: [{ name: "claude_code", version: "1", models: [], healthy: true }],
        slots: 1,
      },
      { token: key },
    )
  ).body.worker_id as string;
  const task = (
    await api.post(
      "/api/v1/tasks",
      { description: "list files", tool: "claude_code", max_attempts: 1 },
      { token: user.access_token },
    )
  ).body as { task_id: string };
  const claimed = (await api.get(`/api/v1/workers/${laptop}/pull-task?wait=0`, { token: key })).body;
  const attempt = { attempt_token: claimed.attempt_token };
  await api.post(`/api/v1/tasks/${task.task_id}/start`, attempt, { token: key });
  await api.post(
    `/api/v1/tasks/${task.task_id}/output`,
    { ...attempt, chunks: claudeChunks("tool-use") },
    { token: key },
  );
  const fail = () => api.post(`/api/v1/tasks/${task.task_id}/fail`, { ...attempt, error: "exit 1" }, { token: key });
  return { taskId: task.task_id, fail };
}

describe.skipIf(postgresStackMissing())("a task's output in the terminal", () => {
  it("task logs --follow: the backlog's tool call and result as lines, the text on stdout", async ({
    server,
    api,
    user,
    key,
  }) => {
    const { taskId, fail } = await runningTask({ api, user, key });
    let stderrSoFar = "";
    let seen: () => void = () => {};
    const shown = new Promise<void>((resolve) => {
      seen = () => stderrSoFar.includes("← total 8") && resolve();
    });
    const following = runCli(
      ["task", "logs", taskId, "--follow", "--server", server.url, "--key", key],
      {},
      "",
      undefined,
      (stderr) => {
        stderrSoFar = stderr;
        seen();
      },
    );
    await shown;
    await fail();
    const followed = await following;
    expect(followed.stdout).toBe("Listed.\n");
    expect(followed.stderr).toContain("→ Bash: ls -la\n← total 8\n  drwx------  2 root root 4096 Dec  7 11:23 .\n");
    expect(followed.code).toBe(1);
  });

  it("task logs and task get: each attempt's worker, duration and outcome, then its conversation", async ({
    server,
    api,
    user,
    key,
  }) => {
    const { taskId, fail } = await runningTask({ api, user, key });
    await fail();
    const logs = await runCli(["task", "logs", taskId, "--server", server.url, "--key", key]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe("Listed.\n");
    expect(logs.stderr).toMatch(
      /^── attempt 1 of 1: laptop, claude_code, \d+ s, failed: exit 1 ──\n→ Bash: ls -la\n← total 8\n/,
    );

    const raw = await runCli(["task", "logs", taskId, "--events", "--server", server.url, "--key", key]);
    expect(raw.stderr).toContain('{"type":"tool_use","id":"toolu_ba37eq7kynl","name":"Bash"');

    const shownTask = await runCli(["task", "get", taskId, "--server", server.url, "--key", key]);
    expect(shownTask.stdout).toMatch(/attempt 1 +laptop, claude_code, \d+ s, failed: exit 1\n/);
  });
});
