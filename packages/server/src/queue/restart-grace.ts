// The lease grace after a (re)start or a store outage. While the server was down, or could not reach the
// store, no worker could renew a lease or report a result, so every lease held then is stretched to at least
// `until`: a worker still running the task (or holding its result in its outbox) reconnects or heartbeats
// and reports, and the task is not handed to a second worker meanwhile. Leases that end later keep their time.
import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/store.ts";

/** Stretches every held lease to at least `until`; returns the tasks held. */
export async function extendHeldLeases(db: Db, until: Date): Promise<string[]> {
  const rows = await selectRows<{ task_id: string }>(
    db,
    sql`
    with held as (
      select task_id from tasks where status in ('assigned', 'running')
    ),
    stretched as (
      update tasks set lease_expires_at = ${until.toISOString()}::timestamptz
      where status in ('assigned', 'running') and lease_expires_at < ${until.toISOString()}::timestamptz
    )
    select task_id::text from held`,
  );
  return rows.map((row) => row.task_id);
}
