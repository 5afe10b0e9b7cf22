// A pull-mode worker (no WebSocket) streams live output over REST; dashboards see it like any other.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { connectPeer, toWebSocketUrl } from "../../../test/support/ws.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("live output from a pull-mode worker", () => {
  it("stores the chunks, feeds subscribed dashboards, and refuses stale tokens and strangers", async ({
    server,
    api,
  }) => {
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    const task = await createTask(api, user.access_token, { tool: "ollama" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    const token = claimed.attempt_token;
    await api.post(`/api/v1/tasks/${task.task_id}/start`, { attempt_token: token }, { token: key });

    const first = await api.post(
      `/api/v1/tasks/${task.task_id}/output`,
      { attempt_token: token, chunks: [{ seq: 0, stream: "stdout", chunk: "hello " }] },
      { token: key },
    );
    expect(first.status).toBe(204);

    const dashboard = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    try {
      dashboard.send("subscribe", { task_id: task.task_id });
      await dashboard.next((message) => message.type === "task.output" && message.data.seq === 0);
      await api.post(
        `/api/v1/tasks/${task.task_id}/output`,
        {
          attempt_token: token,
          chunks: [
            { seq: 1, stream: "stdout", chunk: "world" },
            { seq: 2, stream: "stderr", chunk: "a warning" },
          ],
        },
        { token: key },
      );
      await dashboard.next((message) => message.type === "task.output" && message.data.seq === 2);
      const chunks = dashboard.received
        .filter((message) => message.type === "task.output")
        .map((message) => [message.data.stream, message.data.chunk]);
      expect(chunks).toEqual([
        ["stdout", "hello "],
        ["stdout", "world"],
        ["stderr", "a warning"],
      ]);
    } finally {
      await dashboard.close();
    }

    const stranger = await createUser(api);
    const strangerKey = await createApiKey(api, stranger);
    const foreign = await api.post(
      `/api/v1/tasks/${task.task_id}/output`,
      { attempt_token: token, chunks: [{ seq: 3, stream: "stdout", chunk: "x" }] },
      { token: strangerKey },
    );
    expect(foreign.status).toBe(404);

    const stale = await api.post(
      `/api/v1/tasks/${task.task_id}/output`,
      {
        attempt_token: "00000000-0000-4000-8000-000000000000",
        chunks: [{ seq: 3, stream: "stdout", chunk: "x" }],
      },
      { token: key },
    );
    expect(stale.status).toBe(409);

    const empty = await api.post(
      `/api/v1/tasks/${task.task_id}/output`,
      { attempt_token: token, chunks: [] },
      { token: key },
    );
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].field).toBe("body.chunks");

    await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: token, result: { output: "hello world" } },
      { token: key },
    );
    const late = await api.post(
      `/api/v1/tasks/${task.task_id}/output`,
      { attempt_token: token, chunks: [{ seq: 4, stream: "stdout", chunk: "late" }] },
      { token: key },
    );
    expect(late.status).toBe(409);
  });
});
