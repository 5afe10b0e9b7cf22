// `garageswarm workflow …` as a person runs it: spawned against a real server, with a test worker pulling
// the node tasks over HTTP.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { answer, getRun, type Owner, ownerWithWorker, pullOne } from "../../server/test/workflows.runs.support.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cliBin = join(repoRoot, "packages/cli/bin/garageswarm.js");

function startCli(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [cliBin, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveRun, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => resolveRun({ code, stdout, stderr }));
  });
  return { done, output: () => stderr };
}

const yamlWorkflow = `
name: cli-flow
workflow_type: sequential
input:
  topic: owls
definition:
  nodes:
    - id: research
      type: task
      tool: claude_code
      prompt: "Research {{input.topic}}"
    - id: write
      type: task
      tool: claude_code
      prompt: "Write about {{nodes.research.output}}"
`;

function yamlObject() {
  return {
    workflow_type: "sequential",
    definition: {
      nodes: [
        { id: "research", type: "task", tool: "claude_code", prompt: "Research {{input.topic}}" },
        { id: "write", type: "task", tool: "claude_code", prompt: "Write about {{nodes.research.output}}" },
      ],
    },
  };
}

describe.skipIf(postgresStackMissing())("garageswarm workflow", () => {
  let server: TestServer;
  let api: ApiClient;
  let owner: Owner;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
    owner = await ownerWithWorker(api);
    dir = await mkdtemp(join(tmpdir(), "gs-cli-workflow-"));
    env = { GARAGESWARM_SERVER: server.url, GARAGESWARM_KEY: owner.key, GARAGESWARM_CONFIG: join(dir, "cli.json") };
  });
  afterAll(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs a YAML file with --input, shows each node as it goes, and prints the result", async () => {
    const file = join(dir, "flow.yaml");
    await writeFile(file, yamlWorkflow);
    const cli = startCli(["workflow", "run", file, "--input", "topic=bats"], env);
    const prompts: string[] = [];
    for (const output of ["R", "W"]) {
      const claimed = await pullUntil(owner);
      prompts.push(claimed.prompt);
      await answer(api, owner, claimed, { output });
    }
    const result = await cli.done;
    expect(result.stderr).toContain("research: completed");
    expect(result.stderr).toContain("run: completed");
    expect(result.stdout.trim()).toBe("W");
    expect(result.code).toBe(0);
    expect(prompts).toEqual(["Research bats", "Write about R"]);
  });

  it("creates from JSON, lists, shows status, and pauses, resumes and cancels a run", async () => {
    const file = join(dir, "flow.json");
    await writeFile(file, JSON.stringify({ ...yamlObject(), name: "json-flow" }));
    const created = await startCli(["workflow", "create", file], env).done;
    expect(created.code).toBe(0);
    const workflowId = created.stdout.trim();
    const listed = await startCli(["workflow", "list"], env).done;
    expect(listed.stdout).toMatch(new RegExp(`${workflowId}\\s+json-flow\\s+sequential\\s+active`));

    const started = await startCli(["workflow", "run", workflowId, "--detach", "--timeout", "600"], env).done;
    expect(started.code).toBe(0);
    const runId = started.stdout.trim();
    // No worker has taken its first task yet: pending, with the deadline the timeout set.
    const status = await startCli(["workflow", "status", runId], env).done;
    const run = await getRun(api, owner, runId);
    expect(run.deadline_at).toBe(new Date(Date.parse(run.created_at) + 600_000).toISOString());
    expect(status.stdout).toContain(`run ${runId}  pending`);
    expect(status.stdout).toContain(
      `  created ${run.created_at}  not started: waiting for a worker  deadline ${run.deadline_at} (timeout 600 s)`,
    );
    // Its first node is dispatched, but its task waits in the queue: not running on any worker.
    expect(status.stdout).toMatch(/… research\s+waiting for a worker\s*$/m);
    expect(status.stdout).not.toMatch(/research\s+running/);
    expect(status.stdout).toMatch(/· write\s+pending/);

    expect((await startCli(["workflow", "pause", runId], env).done).stdout).toContain(`Run ${runId} is paused.`);
    expect((await getRun(api, owner, runId)).status).toBe("paused");
    expect((await startCli(["workflow", "resume", runId], env).done).stdout).toContain("is pending.");

    // A worker takes the task: the run has begun.
    await answer(api, owner, await pullUntil(owner), "hold");
    const begun = await waitForRun(runId, (current) => current.status === "running");
    const shown = await startCli(["workflow", "status", runId], env).done;
    expect(shown.stdout).toContain(`run ${runId}  running`);
    expect(shown.stdout).toMatch(new RegExp(`▶ research\\s+running\\s+on worker ${owner.workerId.slice(0, 8)}$`, "m"));
    expect(shown.stdout).toContain(`  started ${begun.started_at}  deadline ${run.deadline_at}`);
    const bad = await startCli(["workflow", "run", workflowId, "--timeout", "soon"], env).done;
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("must be a whole number of seconds");
    expect((await startCli(["workflow", "cancel", runId], env).done).stdout).toContain("is cancelled.");
    const again = await startCli(["workflow", "cancel", runId], env).done;
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("run is already cancelled");
    const watched = await startCli(["workflow", "status", runId, "--watch"], env).done;
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain("run: cancelled");
  });

  it("says what is wrong with a bad file", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, "name: [unclosed");
    const bad = await startCli(["workflow", "create", file], env).done;
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is neither YAML nor JSON");
    const missing = await startCli(["workflow", "run", join(dir, "nope.yaml")], env).done;
    expect(missing.stderr).toContain("cannot read");
  });

  /** The advancer hears of a pickup on the bus or finds it on its next scan: poll, boundedly. */
  async function waitForRun(runId: string, until: (run: any) => boolean) {
    for (let tries = 0; ; tries++) {
      const run = await getRun(api, owner, runId);
      if (until(run) || tries >= 200) return run;
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    }
  }

  async function pullUntil(who: Owner) {
    for (;;) {
      const task = await pullOne(api, who);
      if (task) return task;
      await new Promise((resolveWait) => setTimeout(resolveWait, 50));
    }
  }
});
