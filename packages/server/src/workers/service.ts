// Workers and who may use them. Roles (user_workers): `owner` manages the worker and is the only one whose
// credentials may act as it (heartbeat, pull, report results: it sees other users' prompts); `operator`
// may run tasks on it and drain it; `viewer` may only see it. No role at all reads as "not found".
// Sharing (offers, accepting, ending a share) is in sharing.ts.
import type {
  Heartbeat,
  HeartbeatAnswer,
  Worker,
  WorkerRegister,
  WorkerRegistered,
  WorkerRole,
} from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { publish } from "../bus/channels.ts";
import type { Db } from "../db/store.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";
import { leaseExpiresAt } from "../queue/timing.ts";
import { expireLeasesOfWorker } from "../queue/transitions/leases.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";
import { toWorkerView } from "./view.ts";

const MANAGING_ROLES: WorkerRole[] = ["owner", "operator"];

/** The worker as `userId` may see it, or 404; with `roles`, 403 when the user's role is not among them. */
export async function accessWorker(
  resources: Resources,
  userId: string,
  workerId: string,
  roles?: WorkerRole[],
): Promise<q.WorkerWithRole> {
  const worker = await q.findWorkerForUser(resources.db, userId, workerId);
  if (!worker) throw new NotFoundError("worker not found");
  if (roles && !roles.includes(worker.role)) {
    throw new ForbiddenError(`needs the ${roles.join(" or ")} role on this worker; you are ${worker.role}`);
  }
  return worker;
}

export async function registerWorker(
  resources: Resources,
  ownerId: string,
  input: WorkerRegister,
  meta: { ip?: string },
): Promise<{ worker: WorkerRegistered; created: boolean }> {
  const { db, clock } = resources;
  const now = clock.now();
  const { row, inserted } = await db.transaction(async (tx) => {
    const upserted = await q.upsertWorker(tx as Db, {
      owner_user_id: ownerId,
      machine_id: input.machine_id,
      machine_name: input.machine_name,
      platform: input.platform,
      tools: input.tools,
      slots: input.slots,
      labels: input.labels,
      capacity: input.capacity,
      version: input.version ?? null,
      status: "online",
      last_heartbeat_at: now,
      updated_at: now,
    });
    await q.upsertOwnerMembership(tx as Db, ownerId, upserted.row.worker_id, now);
    if (upserted.inserted) {
      await recordAudit(tx as Db, {
        user_id: ownerId,
        action: "worker.register",
        object_type: "worker",
        object_id: upserted.row.worker_id,
        ip: meta.ip,
        detail: { machine_id: input.machine_id, machine_name: input.machine_name },
      });
    }
    return upserted;
  });
  await publishWorkerUpdated(resources, row);
  const worker = await accessWorker(resources, ownerId, row.worker_id);
  return {
    worker: {
      ...toWorkerView(worker, worker),
      heartbeat_interval_seconds: resources.config.heartbeatIntervalSeconds,
    },
    created: inserted,
  };
}

export async function listWorkers(resources: Resources, userId: string): Promise<Worker[]> {
  const rows = await q.listWorkersForUser(resources.db, userId);
  return rows.map((row) => toWorkerView(row, row));
}

export async function getWorker(resources: Resources, userId: string, workerId: string): Promise<Worker> {
  const row = await accessWorker(resources, userId, workerId);
  return toWorkerView(row, row);
}

/** Marks the worker online, renews the leases of the tasks it reports, and names those it must stop. */
export async function recordHeartbeat(
  resources: Resources,
  userId: string,
  workerId: string,
  beat: Heartbeat,
): Promise<HeartbeatAnswer> {
  const { db, clock, config } = resources;
  const now = clock.now();
  const outcome = await q.recordHeartbeat(db, {
    userId,
    workerId,
    sample: beat,
    runningTaskIds: beat.running_task_ids,
    now,
    leaseExpiresAt: leaseExpiresAt(config, now),
  });
  if (!outcome.role) throw new NotFoundError("worker not found");
  if (!outcome.worker) throw new ForbiddenError(`needs the owner role on this worker; you are ${outcome.role}`);
  // The Workers page refetches on worker.updated: a phone's battery shows there without a sample stream.
  if (outcome.wasOffline || outcome.batteryChanged) await publishWorkerUpdated(resources, outcome.worker);
  const { cpu_percent, memory_percent, disk_percent } = beat;
  if (cpu_percent !== undefined && memory_percent !== undefined && disk_percent !== undefined) {
    await publish(resources.bus, "worker.heartbeat", {
      worker_id: workerId,
      owner_user_id: outcome.worker.owner_user_id,
      cpu_percent,
      memory_percent,
      disk_percent,
      running_tasks: beat.running_task_ids.length,
    });
  }
  return { heartbeat_interval_seconds: config.heartbeatIntervalSeconds, cancel_task_ids: outcome.stop };
}

export async function setDraining(
  resources: Resources,
  userId: string,
  workerId: string,
  draining: boolean,
): Promise<Worker> {
  const access = await accessWorker(resources, userId, workerId, MANAGING_ROLES);
  const row = await q.setDraining(resources.db, workerId, draining, resources.clock.now());
  if (!row) throw new NotFoundError("worker not found");
  await publishWorkerUpdated(resources, row);
  return toWorkerView(row, access);
}

/** Deletes the worker; the leases it holds expire at once, so the reaper re-queues its tasks. */
export async function deleteWorker(resources: Resources, userId: string, workerId: string, meta: { ip?: string }) {
  await accessWorker(resources, userId, workerId, ["owner"]);
  const { db, clock } = resources;
  const row = await db.transaction(async (tx) => {
    await expireLeasesOfWorker(tx as Db, workerId, clock.now());
    const deleted = await q.deleteWorker(tx as Db, workerId);
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "worker.delete",
      object_type: "worker",
      object_id: workerId,
      ip: meta.ip,
    });
    return deleted;
  });
  if (row) {
    await publish(resources.bus, "worker.updated", {
      worker_id: row.worker_id,
      owner_user_id: row.owner_user_id,
      status: "deleted",
      draining: row.draining,
    });
  }
}

export function publishWorkerUpdated(
  resources: Resources,
  row: Pick<q.WorkerRow, "worker_id" | "owner_user_id" | "status" | "draining">,
): Promise<void> {
  return publish(resources.bus, "worker.updated", {
    worker_id: row.worker_id,
    owner_user_id: row.owner_user_id,
    status: row.status,
    draining: row.draining,
  });
}
