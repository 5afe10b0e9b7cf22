// `task logs --follow` streams over the client WebSocket with the Authorization header (A12 took `?token=`
// away from URLs; the CLI never used it): a pull-mode worker's output reaches the terminal, backlog then live.
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

describe.skipIf(postgresStackMissing())("task logs --follow", () => {
  it("prints a running task's output live until it ends", async ({ server, api, user, key }) => {
    const worker = (
      await api.post(
        "/api/v1/workers/register",
        {
          machine_id: "follow-test",
          machine_name: "test box",
          platform: "linux",
          tools: [{ name: "ollama", version: "1", models: [], healthy: true }],
          slots: 1,
        },
        { token: key },
      )
    ).body;
    const task = (
      await api.post("/api/v1/tasks", { description: "follow me", tool: "ollama" }, { token: user.access_token })
    ).body;
    const claimed = (await api.get(`/api/v1/workers/${worker.worker_id}/pull-task?wait=0`, { token: key })).body;
    const attempt = { attempt_token: claimed.attempt_token };
    expect((await api.post(`/api/v1/tasks/${task.task_id}/start`, attempt, { token: key })).status).toBe(200);

    let seq = 0;
    const say = (chunk: string) =>
      api.post(
        `/api/v1/tasks/${task.task_id}/output`,
        { ...attempt, chunks: [{ seq: seq++, stream: "stdout", chunk }] },
        { token: key },
      );
    await say("from the backlog\n");
    // Each step waits for the terminal to show the last one: the backlog first, then the live tail.
    let printed = "";
    let shown: () => void = () => {};
    const waitFor = (text: string) =>
      new Promise<void>((resolve) => {
        shown = () => printed.includes(text) && resolve();
        shown();
      });
    const following = runCli(
      ["task", "logs", task.task_id, "--follow", "--server", server.url, "--key", key],
      {},
      "",
      (stdout) => {
        printed = stdout;
        shown();
      },
    );
    await waitFor("from the backlog\n");
    await say("live\n");
    await waitFor("live\n");
    await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { ...attempt, result: { output: "done" } },
      { token: key },
    );
    const run = await following;
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("from the backlog\nlive\n");
  });
});
