// Fair share: a user with a long queue does not starve another user of a shared worker.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker, shareAccepted } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("fair share between users", () => {
  it("gives the next free slot to the user holding fewer tasks, while priority still comes first", async ({ api }) => {
    const heavy = await createUser(api);
    const light = await createUser(api);
    const key = await createApiKey(api, heavy);
    const worker = await registerWorker(api, key, { slots: 4, tools: ["ollama"] });
    await shareAccepted(api, heavy, worker.worker_id, light, "operator");

    const heavyTasks = [];
    for (let i = 0; i < 6; i++) heavyTasks.push(await createTask(api, heavy.access_token, { tool: "ollama" }));
    const lightTask = await createTask(api, light.access_token, { tool: "ollama" });
    const urgent = await createTask(api, heavy.access_token, { tool: "ollama", priority: 5 });

    const claimed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await pull(api, key, worker.worker_id);
      expect(response.status).toBe(200);
      claimed.push(response.body.task_id);
    }
    // Priority first; then the light user (holding nothing) before the heavy user's second task;
    // then the heavy user's queue in order.
    expect(claimed).toEqual([urgent.task_id, lightTask.task_id, heavyTasks[0]?.task_id, heavyTasks[1]?.task_id]);
  });
});
