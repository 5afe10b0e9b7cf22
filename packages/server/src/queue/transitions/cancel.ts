// The cancel (queued | assigned | running → cancelled, task-machine.ts), by the task's user or its workflow run.
import { sql } from "drizzle-orm";
import { type Db, ts } from "../../db/store.ts";
import type { TaskRow } from "../../tasks/queries.ts";
import { updateLogged } from "../statements.ts";
import { LIVE_STATUSES } from "../task-machine.ts";

const LIVE = sql.raw(`(${LIVE_STATUSES.map((status) => `'${status}'`).join(", ")})`);

/** Guarded: only a live task. A held one keeps its `worker_id`, so the caller can tell that worker to stop. */
export async function cancelTask(
  db: Db,
  userId: string,
  taskId: string,
  now: Date,
  reason: string,
  /** The user who cancelled, kept in the event so the task page can say who (none: its workflow run). */
  byUserId?: string,
): Promise<TaskRow | undefined> {
  const [row] = await updateLogged(
    db,
    sql`update tasks set status = 'cancelled', lease_expires_at = null, completed_at = ${ts(now)},
          updated_at = ${ts(now)}
        where task_id = ${taskId}::uuid and user_id = ${userId}::uuid and status in ${LIVE}
        returning tasks.*`,
    sql`${reason}`,
    byUserId ? sql`jsonb_build_object('by_user_id', ${byUserId}::text)` : undefined,
  );
  return row;
}
