// What the queue reads about a task before or beside a transition (the transitions are in transitions/).
import { sql } from "drizzle-orm";
import { type Db, selectRows, uuidArray } from "../db/store.ts";
import { mayRunTasksOn } from "../workers/membership.ts";
import { HELD, principalActsAs } from "./statements.ts";

/** What a fenced report found instead, to tell "not yours" (404) from "no longer current" (409). */
export async function findForFencedReport(
  db: Db,
  taskId: string,
  principalId: string,
): Promise<{ status: string; lease_token: string | null; visible: boolean; shared: boolean } | undefined> {
  const rows = await selectRows<Record<string, unknown>>(
    db,
    sql`
    select t.status, t.lease_token, ${mayRunTasksOn(sql`t.user_id`, sql`t.worker_id`)} as shared,
      (t.user_id = ${principalId}::uuid or exists (
         select 1 from task_events e
         where e.task_id = t.task_id and e.kind = 'status' and e.data->>'status' = 'assigned'
           and ${principalActsAs(principalId, sql`(e.data->>'worker_id')::uuid`)})) as visible
    from tasks t where t.task_id = ${taskId}::uuid`,
  );
  return rows[0] as { status: string; lease_token: string | null; visible: boolean; shared: boolean } | undefined;
}

/** Of the reported tasks, those the worker must stop: not held by it any more (cancelled, re-queued, gone). */
export async function findTasksToStop(db: Db, workerId: string, taskIds: string[]): Promise<string[]> {
  if (taskIds.length === 0) return [];
  const rows = await selectRows<Record<string, unknown>>(
    db,
    sql`
    select id::text as task_id from unnest(${uuidArray(taskIds)}) as id
    where not exists (
      select 1 from tasks t where t.task_id = id and t.worker_id = ${workerId}::uuid
        and t.status in ${HELD})`,
  );
  return (rows as Array<{ task_id: string }>).map((row) => row.task_id);
}
