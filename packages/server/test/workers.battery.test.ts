// A phone worker's heartbeat: no resources it cannot measure, its battery strictly validated, stored on the
// worker and shown in its view; a machine's heartbeat carries no battery and clears a stale one.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { registerWorker } from "./queue.support.ts";

const it = serverTest();

/** A user with a `worker` key, as the phone page makes one. */
async function phoneOwner(api: ApiClient) {
  const user = await createUser(api);
  const created = await api.post("/api/v1/keys", { name: "phone", scope: "worker" }, { token: user.access_token });
  expect(created.status).toBe(201);
  return { ...user, key: created.body.key as string };
}

describe.skipIf(postgresStackMissing())("worker battery", () => {
  it("stores the battery of a heartbeat without resources and shows it on the worker", async ({ api }) => {
    const owner = await phoneOwner(api);
    const worker = await registerWorker(api, owner.key);
    const beat = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { running_task_ids: [], battery: { level_percent: 42, charging: false } },
      { token: owner.key },
    );
    expect(beat.status).toBe(200);
    const view = await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token });
    expect(view.body).toMatchObject({
      status: "online",
      battery: { level_percent: 42, charging: false },
      cpu_percent: null,
      memory_percent: null,
      disk_percent: null,
    });

    await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { battery: { level_percent: 43.5, charging: true } },
      { token: owner.key },
    );
    const charging = await api.get("/api/v1/workers", { token: owner.access_token });
    expect(charging.body.items[0].battery).toEqual({ level_percent: 43.5, charging: true });

    // A heartbeat without a battery (a machine, or a browser without the Battery Status API) clears it.
    await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { cpu_percent: 5, memory_percent: 6, disk_percent: 7 },
      { token: owner.key },
    );
    const machine = await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token });
    expect(machine.body).toMatchObject({ battery: null, cpu_percent: 5, memory_percent: 6, disk_percent: 7 });
  });

  it("refuses a bad battery or half a resource sample with 400 naming the field, and stores nothing", async ({
    api,
  }) => {
    const owner = await phoneOwner(api);
    const worker = await registerWorker(api, owner.key);
    const path = `/api/v1/workers/${worker.worker_id}/heartbeat`;
    await api.post(path, { battery: { level_percent: 80, charging: true } }, { token: owner.key });

    const refused: Array<[unknown, string]> = [
      [{ battery: { level_percent: 101, charging: true } }, "body.battery.level_percent"],
      [{ battery: { level_percent: -1, charging: true } }, "body.battery.level_percent"],
      [{ battery: { level_percent: 50 } }, "body.battery.charging"],
      [{ battery: { level_percent: 50, charging: "yes" } }, "body.battery.charging"],
      [{ battery: { level_percent: 50, charging: false, temperature: 40 } }, "body.battery"],
      [{ battery: 50 }, "body.battery"],
      [{ cpu_percent: 10 }, "body.memory_percent"],
      [{ cpu_percent: 10, memory_percent: 10 }, "body.disk_percent"],
    ];
    for (const [body, field] of refused) {
      const response = await api.post(path, body, { token: owner.key });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
      expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    const view = await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token });
    expect(view.body.battery).toEqual({ level_percent: 80, charging: true });
  });

  it("takes a battery only from the worker's owner", async ({ api }) => {
    const owner = await phoneOwner(api);
    const stranger = await phoneOwner(api);
    const worker = await registerWorker(api, owner.key);
    const response = await api.post(
      `/api/v1/workers/${worker.worker_id}/heartbeat`,
      { battery: { level_percent: 1, charging: false } },
      { token: stranger.key },
    );
    expect(response.status).toBe(404);
    const view = await api.get(`/api/v1/workers/${worker.worker_id}`, { token: owner.access_token });
    expect(view.body.battery).toBeNull();
  });
});
