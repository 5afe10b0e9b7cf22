// Crash and restart: the server runs in a child process and is killed with SIGKILL mid-run, twice; each
// time a new process on the same database resumes the run. No node runs twice and none is lost, and a
// worker that held a task across the crash delivers its result to the new process (the lease grace).
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { type Child, childStore, kill, startChild, waitFor } from "./child-server.support.ts";
import { registerWorker } from "./queue.support.ts";
import {
  type Claimed,
  countByNode,
  createWorkflow,
  execute,
  getRun,
  type Owner,
  pullOne,
} from "./workflows.runs.support.ts";

describe.skipIf(postgresStackMissing())("crash and restart mid-run", () => {
  let store: Awaited<ReturnType<typeof childStore>>;
  let env: Record<string, string>;
  let child: Child | null = null;

  beforeAll(async () => {
    store = await childStore("restart");
    // Leases of three seconds: short enough that b's lease runs out while the server is down.
    env = { ...store.env, GARAGESWARM_HEARTBEAT_INTERVAL: "1" };
  });
  afterAll(async () => {
    if (child) await kill(child);
    await store?.remove();
  });

  it("resumes the run after SIGKILL, with one task per node, and takes a result held across the crash", async () => {
    child = await startChild(env);
    let api: ApiClient = apiClient(child.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["claude_code"], slots: 4 });
    const owner: Owner = { ...user, key, workerId: worker.worker_id };
    const workflowId = await createWorkflow(api, owner, {
      workflow_type: "sequential",
      definition: {
        nodes: ["a", "b", "c", "d"].map((id) => ({
          id,
          type: "task",
          tool: "claude_code",
          prompt: `${id} after {{upstream}}`,
        })),
      },
    });
    const runId = await execute(api, owner, workflowId);
    // The worker keeps heartbeating, as a real one does (through the crashes, failing quietly meanwhile).
    let connected = true;
    const heartbeats = setInterval(() => {
      if (!connected) return;
      const body = { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: [] };
      api.post(`/api/v1/workers/${worker.worker_id}/heartbeat`, body, { token: key }).catch(() => {});
    }, 300);
    onTestFinished(() => clearInterval(heartbeats));
    const report = (task: Claimed, verb: string, body: Record<string, unknown> = {}) =>
      api.post(`/api/v1/tasks/${task.task_id}/${verb}`, { attempt_token: task.attempt_token, ...body }, { token: key });
    const pullNext = (nodeId: string) =>
      waitFor(`a task for ${nodeId}`, async () => {
        const task = await pullOne(api, owner);
        if (task) expect(task.node_id).toBe(nodeId);
        return task;
      });

    // Crash 1: right after a node's result lands, while the advancer may be in the middle of its step.
    const a = await pullNext("a");
    expect((await report(a, "start")).status).toBe(200);
    expect((await report(a, "complete", { result: { output: "A" } })).status).toBe(200);
    await kill(child);

    child = await startChild(env);
    api = apiClient(child.url);
    const b = await pullNext("b");
    expect(b.prompt).toBe('b after ["A"]');
    expect((await report(b, "start")).status).toBe(200);

    // Crash 2: while a worker holds b. It finishes while the server is down, long enough for b's lease to
    // run out, and reports after the restart: the grace keeps the lease, so the result is taken.
    const leaseEnd = Date.now() + 3_000;
    connected = false;
    await kill(child);
    await waitFor("b's lease to run out", async () => Date.now() > leaseEnd + 500);
    child = await startChild(env);
    api = apiClient(child.url);
    // The worker takes a moment to reconnect: the new server's reaper passes (every 0.5 s here) meanwhile.
    const reconnectAt = Date.now() + 1_500;
    await waitFor("the worker to reconnect", async () => Date.now() > reconnectAt);
    connected = true;
    expect((await report(b, "complete", { result: { output: "B" } })).status).toBe(200);

    for (const nodeId of ["c", "d"]) {
      const task = await pullNext(nodeId);
      expect((await report(task, "start")).status).toBe(200);
      expect((await report(task, "complete", { result: { output: nodeId.toUpperCase() } })).status).toBe(200);
    }
    const run = await waitFor("the run to finish", async () => {
      const current = await getRun(api, owner, runId);
      return current.status === "running" ? null : current;
    });
    expect(run.status).toBe("completed");
    expect(run.result.output).toBe("D");
    expect(run.nodes.map((node: any) => [node.node_id, node.attempts, node.iteration])).toEqual([
      ["a", 1, 0],
      ["b", 1, 0],
      ["c", 1, 0],
      ["d", 1, 0],
    ]);
    const tasks = (await api.get(`/api/v1/tasks?workflow_id=${workflowId}&limit=100`, { token: user.access_token }))
      .body.items;
    expect(countByNode(tasks)).toEqual({ a: 1, b: 1, c: 1, d: 1 });
    expect(tasks.every((task: any) => task.status === "completed")).toBe(true);
  }, 120_000);
});
