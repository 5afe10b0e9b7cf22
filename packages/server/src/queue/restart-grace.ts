// The lease grace after a (re)start. While the server was down no worker could renew a lease or report a
// result, so every lease held at start-up is stretched to at least one lease length from now: a worker
// still running the task (or holding its result in its outbox) reconnects and reports, and the task is
// not handed to a second worker meanwhile. Leases that end later than that keep their time.
import { sql } from "drizzle-orm";
import { type Db, ts } from "../db/store.ts";
import { HELD } from "./statements.ts";

export async function extendLeasesHeldAtStart(db: Db, until: Date): Promise<void> {
  await db.execute(sql`
    update tasks set lease_expires_at = ${ts(until)} where status in ${HELD} and lease_expires_at < ${ts(until)}`);
}
