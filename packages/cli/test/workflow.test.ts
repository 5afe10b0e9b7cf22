// `garageswarm workflow …` as a person runs it: spawned against a real server, with a test worker pulling
// the node tasks over HTTP.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { answer, getRun, type Owner, ownerWithWorker, pullOne } from "../../server/test/workflows.runs.support.ts";
import { type CliRun, cliTest, runCli } from "./cli.support.ts";

// The owner's worker is this test, pulling over HTTP; the CLI runs as the owner, with its config in `dir`.
const it = cliTest()
  .extend("owner", { scope: "file" }, ({ api }) => ownerWithWorker(api))
  .extend("env", { scope: "file" }, ({ server, owner, dir }) => ({
    GARAGESWARM_SERVER: server.url,
    GARAGESWARM_KEY: owner.key,
    GARAGESWARM_CONFIG: join(dir, "cli.json"),
  }));

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
  it("runs a YAML file with --input, shows each node as it goes, and prints the result", async ({
    api,
    owner,
    dir,
    env,
  }) => {
    const file = join(dir, "flow.yaml");
    await writeFile(file, yamlWorkflow);
    const cli = runCli(["workflow", "run", file, "--input", "topic=bats"], env);
    const prompts: string[] = [];
    for (const output of ["R", "W"]) {
      const claimed = await pullUntil(api, owner);
      prompts.push(claimed.prompt);
      await answer(api, owner, claimed, { output });
    }
    const result = await cli;
    expect(result.stderr).toContain("research: completed");
    expect(result.stderr).toContain("run: completed");
    expect(result.stdout.trim()).toBe("W");
    expect(result.code).toBe(0);
    expect(prompts).toEqual(["Research bats", "Write about R"]);
  });

  it("creates from JSON, lists, shows status, and pauses, resumes and cancels a run", async ({
    api,
    owner,
    dir,
    env,
  }) => {
    const file = join(dir, "flow.json");
    await writeFile(file, JSON.stringify({ ...yamlObject(), name: "json-flow" }));
    const created = await runCli(["workflow", "create", file], env);
    expect(created.code).toBe(0);
    const workflowId = created.stdout.trim();
    const listed = await runCli(["workflow", "list"], env);
    expect(listed.stdout).toMatch(new RegExp(`${workflowId}\\s+json-flow\\s+sequential\\s+active`));

    const started = await runCli(["workflow", "run", workflowId, "--detach", "--timeout", "600"], env);
    expect(started.code).toBe(0);
    const runId = started.stdout.trim();
    // No worker has taken its first task yet: pending, with the deadline the timeout set.
    const status = await runCli(["workflow", "status", runId], env);
    const run = await getRun(api, owner, runId);
    expect(run.deadline_at).toBe(new Date(Date.parse(run.created_at) + 600_000).toISOString());
    expect(status.stdout).toContain(`run #1 ${runId}  pending`);
    expect(status.stdout).toContain(
      `  created ${run.created_at}  not started: waiting for a worker  deadline ${run.deadline_at} (timeout 600 s)`,
    );
    // Its first node is dispatched, but its task waits in the queue: not running on any worker.
    expect(status.stdout).toMatch(/… research\s+waiting for a worker\s*$/m);
    expect(status.stdout).not.toMatch(/research\s+running/);
    expect(status.stdout).toMatch(/· write\s+pending/);

    expect((await runCli(["workflow", "pause", runId], env)).stdout).toContain(`Run ${runId} is paused.`);
    expect((await getRun(api, owner, runId)).status).toBe("paused");
    expect((await runCli(["workflow", "resume", runId], env)).stdout).toContain("is pending.");

    // A worker takes the task: the run has begun.
    await answer(api, owner, await pullUntil(api, owner), "hold");
    const begun = await waitForRun(api, owner, runId, (current) => current.status === "running");
    const shown = await runCli(["workflow", "status", runId], env);
    expect(shown.stdout).toContain(`run #1 ${runId}  running`);
    expect(shown.stdout).toMatch(/▶ research\s+running\s+on test box$/m);
    expect(shown.stdout).toContain(`  started ${begun.started_at}  deadline ${run.deadline_at}`);
    const bad = await runCli(["workflow", "run", workflowId, "--timeout", "soon"], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("must be a whole number of seconds");
    const cancelled = await runCli(["workflow", "cancel", runId], env);
    expect(cancelled.stdout, cancelled.stderr).toContain("is cancelled.");
    const again = await runCli(["workflow", "cancel", runId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("run is already cancelled");
    const watched = await runCli(["workflow", "status", runId, "--watch"], env);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain("run: cancelled");
  });

  it("takes --input as a JSON object and prints the approve command for a node that waits for a person", async ({
    api,
    owner,
    dir,
    env,
  }) => {
    const file = join(dir, "gate.yaml");
    await writeFile(
      file,
      `name: gated
workflow_type: sequential
definition:
  nodes:
    - id: gate
      type: approval
      message: "Ship {{input.version}}?"
    - id: ship
      type: task
      tool: claude_code
      prompt: "Ship {{input.version}} of {{input.names}}"
`,
    );
    const approvals: Array<Promise<CliRun>> = [];
    const cli = runCli(
      ["workflow", "run", file, "--input", '{"version": "2.0", "names": ["a", "b"]}', "--input", "version=2.1"],
      env,
      "",
      undefined,
      (stderr) => {
        const hint = /waits for approval: (garageswarm workflow approve (\S+) gate)/.exec(stderr);
        if (hint && approvals.length === 0)
          approvals.push(runCli(["workflow", "approve", hint[2] as string, "gate"], env));
      },
    );
    const claimed = await pullUntil(api, owner);
    await answer(api, owner, claimed, { output: "shipped" });
    const result = await cli;
    expect(result.stderr).toMatch(
      /gate: waiting_approval\n {2}gate waits for approval: garageswarm workflow approve \S+ gate \[--comment "…"\] {2}\(or: workflow reject\)/,
    );
    expect(approvals).toHaveLength(1);
    expect((await approvals[0])?.code).toBe(0);
    // Pairs after the object win over its keys; JSON values stay JSON.
    expect(claimed.prompt).toBe('Ship 2.1 of ["a","b"]');
    expect(result.code).toBe(0);
    const bad = await runCli(["workflow", "run", file, "--input", "[1, 2]"], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--input must be key=value or a JSON object");
    const broken = await runCli(["workflow", "run", file, "--input", "{version: 2}"], env);
    expect(broken.stderr).toContain("--input: not valid JSON");
  });

  it("prints the approve command for a waiting run, approves, and re-runs with the same input", async ({
    api,
    owner,
    env,
  }) => {
    const created = await api.post(
      "/api/v1/workflows",
      {
        name: "gated",
        workflow_type: "sequential",
        definition: {
          nodes: [
            { id: "build", type: "task", tool: "claude_code", prompt: "Build {{input.topic}}" },
            { id: "gate", type: "approval", message: "Ship it?" },
          ],
        },
      },
      { token: owner.access_token },
    );
    const workflowId = created.body.workflow_id;
    let runId = "";
    let hinted = false;
    const watching = runCli(["workflow", "run", workflowId, "--input", "topic=moths"], env, "", undefined, (stderr) => {
      runId ||= /Run (\S+) started\./.exec(stderr)?.[1] ?? "";
      hinted ||= stderr.includes("gate waits for approval: garageswarm workflow approve");
    });
    await answer(api, owner, await pullUntil(api, owner), { output: "built" });
    for (let tries = 0; !hinted && tries < 200; tries++)
      await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    expect(hinted).toBe(true);

    // `workflow status` says the same to someone who looks later.
    const status = await runCli(["workflow", "status", runId], env);
    expect(status.stdout).toContain(`run #1 ${runId}  waiting_approval`);
    expect(status.stdout).toContain(`gate waits for approval: garageswarm workflow approve ${runId} gate`);

    const approved = await runCli(["workflow", "approve", runId, "gate", "--comment", "go"], env);
    expect(approved.stdout).toContain("Node gate approved");
    const finished = await watching;
    expect(finished.code).toBe(0);
    expect(finished.stderr).toContain(`  gate waits for approval: garageswarm workflow approve ${runId} gate`);

    const rerun = await runCli(["workflow", "rerun", runId], env);
    expect(rerun.code).toBe(0);
    const again = await getRun(api, owner, rerun.stdout.trim());
    expect(again).toMatchObject({ workflow_id: workflowId, run_number: 2, input: { topic: "moths" } });
    expect(rerun.stderr).toContain("Run #2 started with the same input.");
    const runs = await runCli(["workflow", "runs", workflowId], env);
    expect(runs.stdout).toMatch(new RegExp(`^2\\s+${again.run_id}`, "m"));
    expect((await runCli(["workflow", "cancel", again.run_id], env)).code).toBe(0);
  });

  it("runs a file again by updating the workflow of its name; --new creates another", async ({
    api,
    owner,
    dir,
    env,
  }) => {
    // An approval node only: the runs wait for a person, and no task reaches the shared worker.
    const gate = (message: string) =>
      `name: gated-flow\nworkflow_type: graph\ndefinition:\n  nodes:\n    - { id: gate, type: approval, message: "${message}" }\n`;
    const named = async () => {
      const page = (await api.get("/api/v1/workflows?limit=200", { token: owner.access_token })).body;
      return page.items.filter((item: { name: string }) => item.name === "gated-flow");
    };
    const file = join(dir, "gated.yaml");
    await writeFile(file, gate("first"));
    const first = await runCli(["workflow", "run", file, "--detach"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('Created "gated-flow"');
    const [created] = await named();

    await writeFile(file, gate("second"));
    const second = await runCli(["workflow", "run", file, "--detach"], env);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`Updated "gated-flow" (${created.workflow_id}) from the file.`);
    const afterUpdate = await named();
    expect(afterUpdate).toHaveLength(1);
    expect(afterUpdate[0].definition.nodes[0].message).toBe("second");
    const run = await getRun(api, owner, second.stdout.trim());
    expect(run.workflow_id).toBe(created.workflow_id);

    const forced = await runCli(["workflow", "run", file, "--detach", "--new"], env);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Created "gated-flow"');
    expect(await named()).toHaveLength(2);
  });

  it("says what is wrong with a bad file", async ({ dir, env }) => {
    const file = join(dir, "bad.yaml");
    await writeFile(file, "name: [unclosed");
    const bad = await runCli(["workflow", "create", file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is neither YAML nor JSON");
    const missing = await runCli(["workflow", "run", join(dir, "nope.yaml")], env);
    expect(missing.stderr).toContain("cannot read");
  });
});

/** The advancer hears of a pickup on the bus or finds it on its next scan: poll, boundedly. */
async function waitForRun(api: ApiClient, owner: Owner, runId: string, until: (run: any) => boolean) {
  for (let tries = 0; ; tries++) {
    const run = await getRun(api, owner, runId);
    if (until(run) || tries >= 200) return run;
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

async function pullUntil(api: ApiClient, owner: Owner) {
  for (;;) {
    const task = await pullOne(api, owner);
    if (task) return task;
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
}
