// `task create --wait` between attempts says so: the failed attempt's error and when it retries, as a person
// sees it in the terminal, with a test worker (this file, over HTTP) failing the attempts.
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { pull, registerWorker, report } from "../../server/test/queue.support.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

describe.skipIf(postgresStackMissing())("task create --wait: retries say so", () => {
  // Two backoffs (5 s, then 10 s) on a loaded machine: give it room.
  it("prints 'attempt N failed: …; retrying in …' while the task waits for its next attempt", {
    timeout: 90_000,
  }, async ({ server, api, user, key }) => {
    const worker = await registerWorker(api, key, { tools: ["shell"] });
    let stderr = "";
    let seen: () => void = () => {};
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolve) => {
        seen = () => pattern.test(stderr) && resolve();
        seen();
      });
    const waiting = runCli(
      ["task", "create", "build the site", "--tool", "shell", "--max-attempts", "3", "--wait", "--server", server.url],
      { GARAGESWARM_KEY: key },
      "",
      undefined,
      (text) => {
        stderr = text;
        seen();
      },
    );
    await printed(/Task [0-9a-f-]{36} queued/);
    const taskId = /Task ([0-9a-f-]{36}) queued/.exec(stderr)?.[1] as string;
    // Two failed attempts: the second backoff (10 s) is long enough for the CLI's next read to see it.
    for (const _attempt of [1, 2]) {
      const claimed = (await pull(api, key, worker.worker_id, 20)).body;
      expect(claimed.task_id).toBe(taskId);
      const failed = await report(api, key, taskId, "fail", {
        attempt_token: claimed.attempt_token,
        error: "exit 3: out of disk",
        retryable: true,
      });
      expect(failed.body.status).toBe("queued");
    }
    await printed(/Waiting: attempt 2 failed: exit 3: out of disk; retrying in \d+ s/);
    await api.post(`/api/v1/tasks/${taskId}/cancel`, undefined, { token: user.access_token });
    const run = await waiting;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cancelled");
  });
});
