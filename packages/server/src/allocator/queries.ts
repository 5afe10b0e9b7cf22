import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/store.ts";
import { mayRunTasksOn, uuidParam } from "../workers/membership.ts";
import type { CandidateWorker } from "./score.ts";

export interface CandidateFilter {
  userId: string;
  /** Only workers offering this tool. */
  tool: string;
  /** These workers are listed even when their slots are full (they just claimed a task and are being scored). */
  alwaysInclude?: string[];
}

/**
 * Online, undrained workers the user may run tasks on (owns, or accepted a share of) that offer the tool and have a free slot, with
 * how many tasks each holds now. Workers that could never take the task stay out of the scan, so a big
 * fleet costs only its eligible part.
 */
export async function listCandidateWorkers(db: Db, filter: CandidateFilter): Promise<CandidateWorker[]> {
  // The columns are exactly CandidateWorker's fields.
  const rows = await selectRows<CandidateWorker>(
    db,
    sql`select w.worker_id, w.status, w.draining, w.tools, w.labels, w.capacity, w.slots,
               w.cpu_percent, w.memory_percent, w.disk_percent, held.running_tasks
        from workers w
        cross join lateral (select count(*)::int as running_tasks from tasks h
                            where h.worker_id = w.worker_id and h.status in ('assigned', 'running')) held
        where ${mayRunTasksOn(uuidParam(filter.userId), sql`w.worker_id`)}
          and w.status = 'online' and not w.draining
          and w.tools @> jsonb_build_array(jsonb_build_object('name', ${filter.tool}::text))
          and (w.worker_id = any(${`{${(filter.alwaysInclude ?? []).join(",")}}`}::uuid[])
               or held.running_tasks < w.slots)`,
  );
  return rows;
}

export interface ScoreEntry {
  task_id: string;
  lease_token: string;
  score: unknown;
}

/** Stores claim scores, each only while its attempt is current (the token is the fence). */
export async function writeScores(db: Db, entries: ScoreEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const values = entries.map(
    (entry) => sql`(${entry.task_id}::uuid, ${entry.lease_token}::uuid, ${JSON.stringify(entry.score)}::jsonb)`,
  );
  await db.execute(sql`
    update tasks set score = v.score
    from (values ${sql.join(values, sql`, `)}) as v(task_id, lease_token, score)
    where tasks.task_id = v.task_id and tasks.lease_token = v.lease_token`);
}
