import { type SQL, sql } from "drizzle-orm";
import { type Db, selectRows, uuidArray } from "../db/store.ts";
import { HELD } from "../queue/statements.ts";
import { mayRunTasksOn, uuidParam } from "../workers/membership.ts";
import type { CandidateWorker } from "./score.ts";

/**
 * A lateral subquery: the tasks the worker holds now, `running_tasks` in all and `held_by_tool` (what the
 * per-tool caps count).
 */
export function heldTasksOf(workerId: SQL): SQL {
  return sql`(
    select coalesce(sum(by_tool.n), 0)::int as running_tasks,
           coalesce(jsonb_object_agg(by_tool.tool, by_tool.n), '{}'::jsonb) as held_by_tool
    from (select h.tool, count(*)::int as n from tasks h
          where h.worker_id = ${workerId} and h.status in ${HELD}
          group by h.tool) by_tool)`;
}

/**
 * Whether the worker ran a task of this repository before: it keeps a clone of every repository it worked
 * on (the worker's clone cache is never emptied), so a fetch there costs the new commits only. Read from
 * the tasks the server recorded, not from what a worker claims to hold.
 */
function holdsRepo(workerId: SQL, repoUrl: string): SQL {
  return sql`exists (select 1 from tasks r where r.worker_id = ${workerId} and r.repo is not null
                     and r.repo->>'url' = ${repoUrl})`;
}

export interface CandidateFilter {
  userId: string;
  /** Only workers offering one of these tools. */
  tools: readonly string[];
  /** These workers are listed even when their slots are full (they just claimed a task and are being scored). */
  alwaysInclude?: string[];
  /** A code task's repository: each worker comes with `has_repo`, whether it ran a task of it before. */
  repoUrl?: string | null;
}

/**
 * Online, undrained workers the user may run tasks on (owns, or accepted a share of) that offer one of the
 * tools and have a free slot, with how many tasks each holds now (in all, and by tool for the per-tool
 * caps). Workers that could never take the task stay out of the scan, so a big fleet costs only its
 * eligible part.
 */
export async function listCandidateWorkers(db: Db, filter: CandidateFilter): Promise<CandidateWorker[]> {
  // The columns are exactly CandidateWorker's fields.
  const rows = await selectRows<CandidateWorker>(
    db,
    sql`select w.worker_id, w.status, w.draining, w.tools, w.labels, w.capacity, w.slots,
               w.cpu_percent, w.memory_percent, w.disk_percent, held.running_tasks, held.held_by_tool
               ${filter.repoUrl ? sql`, ${holdsRepo(sql`w.worker_id`, filter.repoUrl)} as has_repo` : sql``}
        from workers w
        cross join lateral ${heldTasksOf(sql`w.worker_id`)} held
        where ${mayRunTasksOn(uuidParam(filter.userId), sql`w.worker_id`)}
          and w.status = 'online' and not w.draining
          and exists (select 1 from jsonb_array_elements(w.tools) as offered(entry)
                      where offered.entry->>'name' = any(${`{${filter.tools.join(",")}}`}::text[]))
          and (w.worker_id = any(${uuidArray(filter.alwaysInclude ?? [])})
               or held.running_tasks < w.slots)`,
  );
  return rows;
}
