// Review A3: one JSON Logic condition (`reduce` + `merge` doubling an array once per input element) exhausted
// the heap and killed the server; placed after a task, the advancer re-evaluated it at every start, a crash
// loop. Here the server runs in its own process with a small heap (256 MB), so the old behaviour would kill
// it: the rule now stops at its size cap, the run fails naming the node and the limit, and a server
// restarted on the same database stays up (the failure is stored, never re-evaluated).
// Review B2: a loop made only of condition nodes ran up to max_iterations per loop edge inside one engine
// step; a step now follows at most 1000 loop edges and fails the run naming the loop.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { type Child, childStore, kill, startChild, waitFor } from "./child-server.support.ts";
import { registerWorker } from "./queue.support.ts";
import { createWorkflow, execute, getRun, type Owner, pullOne } from "./workflows.runs.support.ts";

const rule = { reduce: [{ var: "input.xs" }, { merge: [{ var: "accumulator" }, { var: "accumulator" }] }, [1]] };
const xs = Array.from({ length: 40 }, (_, i) => i);
const heap = ["--max-old-space-size=256"];
const limitMessage =
  /^node "c" failed: condition failed: "merge" built a value of size \d+, more than the limit of 1000000/;

describe.skipIf(postgresStackMissing())("security A3: condition cost", () => {
  let store: Awaited<ReturnType<typeof childStore>>;
  let env: Record<string, string>;
  let child: Child | null = null;

  beforeAll(async () => {
    store = await childStore("condition-cost");
    env = store.env;
  });
  afterAll(async () => {
    if (child) await kill(child);
    await store?.remove();
  });

  const health = async (api: ApiClient) => (await api.get("/health")).status;

  it("fails the run with a clear message instead of crashing, and a restart stays up", async () => {
    child = await startChild(env, heap);
    let api = apiClient(child.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["ollama"], slots: 4 });
    const owner: Owner = { ...user, key, workerId: worker.worker_id };

    // The review's exact reproduction: a lone condition node, executed with a 40-element input.
    const bomb = await createWorkflow(api, owner, {
      name: "jl-bomb",
      workflow_type: "graph",
      definition: { nodes: [{ id: "c", type: "condition", expression: rule }] },
    });
    const direct = await getRun(api, owner, await execute(api, owner, bomb, { xs }));
    expect(direct.status).toBe("failed");
    expect(direct.error).toMatch(limitMessage);
    expect(await health(api)).toBe(200);

    // B2: two condition-only loops taking turns (c1 flips its own answer), neither reaching its own bound.
    const spin = await createWorkflow(api, owner, {
      name: "spin",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "c1", type: "condition", expression: { "!": [{ var: "nodes.c1.json" }] } },
          { id: "c2", type: "condition", expression: true },
        ],
        edges: [
          { from: "c1", to: "c1", when: true, loop: true, max_iterations: 1000 },
          { from: "c1", to: "c2", when: false },
          { from: "c2", to: "c1", loop: true, max_iterations: 1000 },
        ],
      },
    });
    const spun = await getRun(api, owner, await execute(api, owner, spin));
    expect(spun.status).toBe("failed");
    expect(spun.error).toMatch(/^loop edge "c[12]->c1": more than 1000 loop re-entries in one engine step/);
    expect(await health(api)).toBe(200);

    // The persistence case: the condition follows a task, so the advancer evaluates it after the result.
    const afterTask = await createWorkflow(api, owner, {
      name: "jl-bomb-after-task",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "t", type: "task", tool: "ollama", prompt: "anything" },
          { id: "c", type: "condition", expression: rule },
        ],
        edges: [{ from: "t", to: "c" }],
      },
    });
    const runId = await execute(api, owner, afterTask, { xs });
    const task = await waitFor("the task", () => pullOne(api, owner));
    const report = (verb: string, body: Record<string, unknown> = {}) =>
      api.post(`/api/v1/tasks/${task.task_id}/${verb}`, { attempt_token: task.attempt_token, ...body }, { token: key });
    expect((await report("start")).status).toBe(200);
    expect((await report("complete", { result: { output: "done" } })).status).toBe(200);
    const failed = await waitFor("the run to fail", async () => {
      const run = await getRun(api, owner, runId);
      return run.status === "failed" ? run : null;
    });
    expect(failed.error).toMatch(limitMessage);
    expect(failed.nodes.map((node: any) => [node.node_id, node.status])).toEqual([
      ["t", "completed"],
      ["c", "failed"],
    ]);
    expect(await health(api)).toBe(200);

    // Restart on the same database: the start-up scan finds nothing to re-evaluate, and the server works on.
    await kill(child);
    child = await startChild(env, heap);
    api = apiClient(child.url);
    expect(await health(api)).toBe(200);
    const again = await getRun(api, owner, runId);
    expect(again.status).toBe("failed");
    expect(again.error).toBe(failed.error);

    // A run needing the new process's advancer completes: its steps came after the start-up scan.
    const plain = await createWorkflow(api, owner, {
      name: "plain",
      workflow_type: "graph",
      definition: {
        nodes: [
          { id: "t", type: "task", tool: "ollama", prompt: "anything" },
          { id: "ok", type: "condition", expression: { "==": [{ var: "nodes.t.output" }, "fine"] } },
        ],
        edges: [{ from: "t", to: "ok" }],
      },
    });
    const plainRun = await execute(api, owner, plain);
    const next = await waitFor("the plain task", () => pullOne(api, owner));
    expect(next.run_id).toBe(plainRun);
    const token = { token: key };
    await api.post(`/api/v1/tasks/${next.task_id}/start`, { attempt_token: next.attempt_token }, token);
    await api.post(
      `/api/v1/tasks/${next.task_id}/complete`,
      { attempt_token: next.attempt_token, result: { output: "fine" } },
      token,
    );
    const completed = await waitFor("the plain run to complete", async () => {
      const run = await getRun(api, owner, plainRun);
      return run.status === "completed" ? run : null;
    });
    expect(completed.result.outputs).toEqual({ ok: "true" });
    expect(child.process.exitCode).toBeNull();
    expect(await health(api)).toBe(200);
  }, 120_000);
});
