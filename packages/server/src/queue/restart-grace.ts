// The lease grace after a (re)start or a store outage. While the server was down, or could not reach the
// store, no worker could renew a lease or report a result, so every lease held then is stretched to at least
// `until`: a worker still running the task (or holding its result in its outbox) reconnects or heartbeats
// and reports, and the task is not handed to a second worker meanwhile. Leases that end later keep their time.
import { sql } from "drizzle-orm";
import { type Db, selectRows, ts } from "../db/store.ts";
import { HELD } from "./statements.ts";

/** Stretches every held lease to at least `until`; returns the tasks held. */
export async function extendHeldLeases(db: Db, until: Date): Promise<string[]> {
  const rows = await selectRows<{ task_id: string }>(
    db,
    sql`
    with held as (
      select task_id from tasks where status in ${HELD}
    ),
    stretched as (
      update tasks set lease_expires_at = ${ts(until)} where status in ${HELD} and lease_expires_at < ${ts(until)}
    )
    select task_id::text from held`,
  );
  return rows.map((row) => row.task_id);
}
