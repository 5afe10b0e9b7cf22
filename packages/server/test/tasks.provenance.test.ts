// A task's result records which worker and whose machine produced it (issue 8, item 1): `ran_on` in the
// task view names the worker, its machine and its owner, and keeps the owner after the worker is deleted.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker, shareAccepted } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("task provenance", () => {
  it("names the worker and its owner in a completed task's view, and keeps the owner once the worker is gone", async ({
    api,
  }) => {
    const owner = await createUserWithKey(api);
    const member = await createUser(api);
    const worker = await registerWorker(api, owner.key, { tools: ["ollama"] });
    await shareAccepted(api, owner, worker.worker_id, member, "operator");
    const task = await createTask(api, member.access_token, { tool: "ollama" });
    expect(task.ran_on).toBeNull();

    const claim = await pull(api, owner.key, worker.worker_id);
    expect(claim.body.ran_on).toMatchObject({ worker_id: worker.worker_id, owner_user_id: owner.user_id });
    await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: claim.body.attempt_token, result: { output: "hello" } },
      { token: owner.key },
    );
    const ranOn = {
      worker_id: worker.worker_id,
      machine_name: "test box",
      owner_user_id: owner.user_id,
      owner_username: owner.username,
    };
    expect((await api.get(`/api/v1/tasks/${task.task_id}`, { token: member.access_token })).body.ran_on).toEqual(ranOn);
    const listed = await api.get("/api/v1/tasks", { token: member.access_token });
    expect(listed.body.items.find((item: { task_id: string }) => item.task_id === task.task_id).ran_on).toEqual(ranOn);

    expect((await api.delete(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token })).status).toBe(204);
    const after = (await api.get(`/api/v1/tasks/${task.task_id}`, { token: member.access_token })).body;
    expect(after.ran_on).toEqual({
      worker_id: null,
      machine_name: null,
      owner_user_id: owner.user_id,
      owner_username: owner.username,
    });
  });
});
