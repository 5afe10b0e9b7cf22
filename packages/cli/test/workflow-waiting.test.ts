// `workflow run` says why a node waits instead of waiting mute: spawned against a real server whose user has
// no worker with the node's tool, then a worker that has it.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { cliTest, runCli } from "./cli.support.ts";

const it = cliTest();

const ollamaFlow = `
name: waiting-flow
workflow_type: sequential
definition:
  nodes:
    - id: summary
      type: task
      tool: ollama
      prompt: "Summarize the notes"
`;

describe.skipIf(postgresStackMissing())("workflow run: why a node waits", () => {
  it("prints the node's waiting reason after a few seconds, and again when it changes", async ({
    server,
    api,
    user,
    key,
    dir,
  }) => {
    const file = join(dir, "waiting.yaml");
    await writeFile(file, ollamaFlow);
    let stderr = "";
    let seen: () => void = () => {};
    const printed = (text: string) =>
      new Promise<void>((resolve) => {
        seen = () => stderr.includes(text) && resolve();
        seen();
      });
    const running = runCli(
      ["workflow", "run", file, "--server", server.url],
      { GARAGESWARM_KEY: key, GARAGESWARM_CONFIG: join(dir, "cli.json") },
      "",
      undefined,
      (text) => {
        stderr = text;
        seen();
      },
    );
    await printed("Waiting: summary: you have no worker to run it on");
    await api.post(
      "/api/v1/workers/register",
      {
        machine_id: "cli-workflow-wait",
        machine_name: "test box",
        platform: "linux",
        tools: [{ name: "shell", version: "1", models: [], healthy: true }],
        slots: 1,
      },
      { token: key },
    );
    await printed("Waiting: summary: no online worker offers Ollama");
    const runId = /Run ([0-9a-f-]{36}) started/.exec(stderr)?.[1];
    expect((await api.post(`/api/v1/runs/${runId}/cancel`, undefined, { token: user.access_token })).status).toBe(200);
    const run = await running;
    expect(run.code).toBe(1);
    // Each reason once, however many times the CLI read the run meanwhile.
    expect(run.stderr.split("\n").filter((line) => line.startsWith("Waiting: "))).toEqual([
      "Waiting: summary: you have no worker to run it on: register one, or accept a share of someone's",
      "Waiting: summary: no online worker offers Ollama",
    ]);
    expect(run.stderr).toContain("run: cancelled");
  });
});
