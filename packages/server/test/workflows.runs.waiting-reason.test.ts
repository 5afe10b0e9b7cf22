// Why a run's node waits: the node view carries its queued task's waiting_reason, computed from the real
// fleet of the run's owner (workers registered over HTTP), in the run, the run list and the task alike.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserWithKey } from "../../../test/support/users.ts";
import { manualClock, registerWorker } from "./queue.support.ts";

const clock = manualClock(new Date("2026-12-01T12:00:00.000Z"));

const summarize = {
  name: "summarize",
  workflow_type: "sequential",
  definition: { nodes: [{ id: "summary", type: "task", tool: "ollama", model: "qwen3", prompt: "Summarize" }] },
};

const it = serverTest({ clock, settings: { accessTokenTtlSeconds: 30 * 24 * 3600 } }).extend("owner", ({ api }) =>
  createUserWithKey(api),
);

describe.skipIf(postgresStackMissing())("a run node's waiting reason", () => {
  it("says why the node's task waits, changes with the fleet, and is gone once a worker can take it", async ({
    api,
    owner,
  }) => {
    const as = { token: owner.key };
    const workflow = await api.post("/api/v1/workflows", summarize, as);
    expect(workflow.status).toBe(201);
    const started = await api.post(`/api/v1/workflows/${workflow.body.workflow_id}/execute`, undefined, as);
    expect(started.status).toBe(201);
    const runId = started.body.run_id as string;
    const nodeOfRun = async () => (await api.get(`/api/v1/runs/${runId}`, as)).body.nodes[0];

    const first = await nodeOfRun();
    expect(first).toMatchObject({ node_id: "summary", status: "running", task_status: "queued" });
    expect(first.waiting_reason).toMatchObject({ code: "no_online_worker" });

    await registerWorker(api, owner.key, { tools: ["shell"] });
    const node = await nodeOfRun();
    expect(node.waiting_reason).toEqual({
      code: "no_worker_with_tool",
      message: "no online worker offers Ollama",
      until: null,
    });
    // The node's task says the same, and so does the run in the workflow's run list.
    const task = await api.get(`/api/v1/tasks/${node.task_id}`, as);
    expect(task.body.waiting_reason).toEqual(node.waiting_reason);
    const runs = await api.get(`/api/v1/workflows/${workflow.body.workflow_id}/runs`, as);
    expect(runs.body.items[0].nodes[0].waiting_reason).toMatchObject({ code: "no_worker_with_tool" });

    await registerWorker(api, owner.key, { tools: [{ name: "ollama", models: ["qwen3"] }] });
    expect((await nodeOfRun()).waiting_reason).toBeNull();
  });
});
