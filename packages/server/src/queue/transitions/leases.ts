// Leases renewed and cut short (task-machine.ts). Renewal changes no status, so it logs nothing; a lease cut
// short is expired by the reaper's next pass (transitions/expire.ts), which logs the re-queue.
import { type SQL, sql } from "drizzle-orm";
import { type Db, selectRows, ts, uuidArray } from "../../db/store.ts";
import { HELD } from "../statements.ts";

/**
 * The lease renewal of the tasks a worker says it runs and still holds: an UPDATE usable alone or inside the
 * heartbeat's statement (`when`: the heartbeat's own condition, e.g. that the worker row was updated).
 */
export function renewLeasesStatement(workerId: string, taskIds: SQL, leaseExpiresAt: Date, when: SQL = sql`true`): SQL {
  return sql`update tasks set lease_expires_at = ${ts(leaseExpiresAt)}
    where task_id = any(${taskIds}) and worker_id = ${workerId}::uuid and status in ${HELD} and ${when}`;
}

/** A worker's hello: renews the leases of the tasks it says it runs and still holds. */
export async function renewLeases(db: Db, workerId: string, taskIds: string[], leaseExpiresAt: Date): Promise<void> {
  if (taskIds.length === 0) return;
  await db.execute(renewLeasesStatement(workerId, uuidArray(taskIds), leaseExpiresAt));
}

/** Workers silent since `cutoff` go offline; the leases they hold expire now, for the next step to re-queue. */
export async function markSilentWorkersOffline(
  db: Db,
  cutoff: Date,
  now: Date,
): Promise<Array<{ worker_id: string; owner_user_id: string; draining: boolean }>> {
  return selectRows<{ worker_id: string; owner_user_id: string; draining: boolean }>(
    db,
    sql`
    with gone as (
      update workers set status = 'offline', updated_at = ${ts(now)}
      where status <> 'offline' and coalesce(last_heartbeat_at, created_at) < ${ts(cutoff)}
      returning worker_id, owner_user_id, draining
    ),
    expired as (
      update tasks set lease_expires_at = ${ts(now)}
      from gone where tasks.worker_id = gone.worker_id and tasks.status in ${HELD}
    )
    select * from gone`,
  );
}

/** The worker is going away: its leases end now, and the reaper re-queues its tasks on its next pass. */
export async function expireLeasesOfWorker(db: Db, workerId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update tasks set lease_expires_at = ${ts(now)}
    where worker_id = ${workerId}::uuid and status in ${HELD}`);
}

/** The user's workers were taken offline (the user was deactivated): the leases they hold end now. */
export async function expireLeasesOfWorkersOwnedBy(db: Db, ownerId: string, now: Date): Promise<void> {
  await db.execute(sql`
    update tasks set lease_expires_at = ${ts(now)}
    where status in ${HELD}
      and worker_id in (select worker_id from workers where owner_user_id = ${ownerId}::uuid)`);
}
