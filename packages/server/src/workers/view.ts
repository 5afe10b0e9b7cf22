import type { Worker } from "@garageswarm/protocol";
import type { WorkerRow, WorkerWithRole } from "./queries.ts";

/** `access`: the caller's role, the tasks the worker holds and its owner's name, read with the membership. */
export function toWorkerView(
  row: WorkerRow,
  access: Pick<WorkerWithRole, "role" | "held_tasks" | "owner_username">,
): Worker {
  return {
    worker_id: row.worker_id,
    owner_user_id: row.owner_user_id,
    owner_username: access.owner_username,
    machine_id: row.machine_id,
    machine_name: row.machine_name,
    platform: row.platform,
    status: row.status,
    draining: row.draining,
    tools: row.tools,
    labels: row.labels,
    capacity: row.capacity,
    slots: row.slots,
    running_tasks: access.held_tasks,
    cpu_percent: row.cpu_percent,
    memory_percent: row.memory_percent,
    disk_percent: row.disk_percent,
    battery:
      row.battery_percent === null || row.battery_charging === null
        ? null
        : { level_percent: row.battery_percent, charging: row.battery_charging },
    version: row.version,
    last_heartbeat_at: row.last_heartbeat_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    role: access.role,
  };
}
