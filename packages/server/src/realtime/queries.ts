import type { WorkerStatus, WorkerToServer } from "@garageswarm/protocol";
import { and, eq, inArray, sql } from "drizzle-orm";
import { tasks, workers } from "../db/schema.ts";
import { type Db, selectRows } from "../db/store.ts";
import { principalActsAs } from "../queue/statements.ts";
import { HELD_STATUSES } from "../queue/task-machine.ts";
import { keepServerLimits } from "../workers/tool-limits.ts";

type Hello = Extract<WorkerToServer, { type: "hello" }>["data"];

/** What a `hello` changed: the worker as the dashboards hear of it, and whether it was offline before. */
export interface HelloOutcome {
  worker_id: string;
  owner_user_id: string;
  status: WorkerStatus;
  draining: boolean;
  was_offline: boolean;
}

/** Applies a worker's `hello`; undefined when the machine id is not this worker's (a misconfigured copy). */
export async function updateWorkerFromHello(
  db: Db,
  workerId: string,
  hello: Hello,
  now: Date,
): Promise<HelloOutcome | undefined> {
  const update = db
    .update(workers)
    .set({
      tools: keepServerLimits(sql`${JSON.stringify(hello.tools)}::jsonb`, sql`${workers.tools}`, now),
      slots: hello.slots,
      ...(hello.version ? { version: hello.version } : {}),
      ...(hello.resources ?? {}),
      status: "online",
      last_heartbeat_at: now,
      updated_at: now,
    })
    .where(and(eq(workers.worker_id, workerId), eq(workers.machine_id, hello.machine_id)))
    .returning({
      worker_id: workers.worker_id,
      owner_user_id: workers.owner_user_id,
      status: workers.status,
      draining: workers.draining,
    });
  // The status before, read in the same statement: a worker coming back online is news for the dashboards.
  const [row] = await selectRows<Omit<HelloOutcome, "was_offline"> & { was_offline: boolean | null }>(
    db,
    sql`with before as (select status from workers where worker_id = ${workerId}::uuid),
      updated as (${update.getSQL()})
    select updated.*, (select status = 'offline' from before) as was_offline from updated`,
  );
  return row ? { ...row, was_offline: row.was_offline === true } : undefined;
}

/**
 * The attempt output is streamed for, when its token is current and the sender may report on it: the
 * worker holding it (its socket), or a caller owning that worker (the REST route).
 */
export async function findCurrentAttempt(
  db: Db,
  taskId: string,
  attemptToken: string,
  sender: { workerId: string } | { ownerId: string },
) {
  const [row] = await db
    .select({ task_id: tasks.task_id, user_id: tasks.user_id, attempt: tasks.attempt })
    .from(tasks)
    .where(
      and(
        eq(tasks.task_id, taskId),
        sql`${tasks.lease_token} = ${attemptToken}::uuid`,
        inArray(tasks.status, HELD_STATUSES),
        "workerId" in sender
          ? eq(tasks.worker_id, sender.workerId)
          : principalActsAs(sender.ownerId, sql`${tasks.worker_id}`),
      ),
    );
  return row;
}

/** Which of these tasks still exist: the others' spill files are orphans. */
export async function findExistingTaskIds(db: Db, taskIds: string[]): Promise<Set<string>> {
  if (taskIds.length === 0) return new Set();
  const rows = await db.select({ task_id: tasks.task_id }).from(tasks).where(inArray(tasks.task_id, taskIds));
  return new Set(rows.map((row) => row.task_id));
}

/**
 * The worker said it is stopping (its socket closed with 1001): offline now rather than after the missed
 * heartbeats, and the leases it still holds end now for the reaper to re-queue. Undefined if already offline.
 */
export async function markWorkerStopped(
  db: Db,
  workerId: string,
  now: Date,
): Promise<{ worker_id: string; owner_user_id: string; status: WorkerStatus; draining: boolean } | undefined> {
  const [row] = await selectRows<{ worker_id: string; owner_user_id: string; status: WorkerStatus; draining: boolean }>(
    db,
    sql`with gone as (
      update workers set status = 'offline', updated_at = ${now.toISOString()}::timestamptz
      where worker_id = ${workerId}::uuid and status <> 'offline'
      returning worker_id, owner_user_id, status, draining
    ),
    expired as (
      update tasks set lease_expires_at = ${now.toISOString()}::timestamptz
      from gone where tasks.worker_id = gone.worker_id and tasks.status in ('assigned', 'running')
    )
    select worker_id::text as worker_id, owner_user_id::text as owner_user_id, status, draining from gone`,
  );
  return row;
}
