// Two replicas on one PostgreSQL and one Redis share the work: pushes, live events and cancels cross
// between them. Runs on the postgres stack only (the embedded stack is one process by design).
import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { connectPeer, toWebSocketUrl } from "../../../test/support/ws.ts";

const claude = { name: "claude_code", version: "1.0.0", models: [] as string[], healthy: true };

// `server` is replica A, `replica` is B.
const it = serverTest();

describe.skipIf(postgresStackMissing())("two replicas on PostgreSQL + Redis", () => {
  it("pushes a task created on A to a worker on B, shows B's dashboard A's events, and cancels across", async ({
    server: replicaA,
    replica: replicaB,
    api: apiA,
    user,
    key,
  }) => {
    expect(replicaA.resources.bus.kind).toBe("redis");
    const apiB = apiClient(replicaB.url);
    const machine_id = randomUUID();
    const registered = await apiB.post(
      "/api/v1/workers/register",
      { machine_id, machine_name: "b-box", platform: "linux", tools: [claude], slots: 2 },
      { token: key },
    );
    const workerId = registered.body.worker_id;
    const worker = await connectPeer(toWebSocketUrl(replicaB.url, `/ws/worker/${workerId}`), {
      authorization: `Bearer ${key}`,
    });
    const dashboardOnB = await connectPeer(toWebSocketUrl(replicaB.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    try {
      worker.send("hello", { machine_id, tools: [claude], slots: 2, running: [] });
      await worker.next((message) => message.type === "welcome");

      const first = await apiA.post(
        "/api/v1/tasks",
        { description: "from A", tool: "claude_code" },
        { token: user.access_token },
      );
      const assign = await worker.next(
        (message) => message.type === "task.assign" && message.data.task_id === first.body.task_id,
      );
      worker.send("task.accept", { task_id: assign.data.task_id, attempt_token: assign.data.attempt_token });
      await dashboardOnB.next(
        (message) =>
          message.type === "task.updated" &&
          message.data.task_id === first.body.task_id &&
          message.data.status === "running",
      );
      worker.send("task.complete", {
        task_id: assign.data.task_id,
        attempt_token: assign.data.attempt_token,
        result: { output: "done on B" },
      });
      await dashboardOnB.next(
        (message) =>
          message.type === "task.updated" &&
          message.data.task_id === first.body.task_id &&
          message.data.status === "completed",
      );
      expect(
        (await apiA.get(`/api/v1/tasks/${first.body.task_id}`, { token: user.access_token })).body.result.output,
      ).toBe("done on B");

      const second = await apiA.post(
        "/api/v1/tasks",
        { description: "cancel me", tool: "claude_code" },
        { token: user.access_token },
      );
      const assigned = await worker.next(
        (message) => message.type === "task.assign" && message.data.task_id === second.body.task_id,
      );
      worker.send("task.accept", { task_id: assigned.data.task_id, attempt_token: assigned.data.attempt_token });
      await dashboardOnB.next(
        (message) =>
          message.type === "task.updated" &&
          message.data.task_id === second.body.task_id &&
          message.data.status === "running",
      );
      expect(
        (await apiA.post(`/api/v1/tasks/${second.body.task_id}/cancel`, {}, { token: user.access_token })).status,
      ).toBe(200);
      const cancel = await worker.next((message) => message.type === "task.cancel");
      expect(cancel.data.task_id).toBe(second.body.task_id);
    } finally {
      await worker.close();
      await dashboardOnB.close();
    }
  });
});
