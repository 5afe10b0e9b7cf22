// The claim (queued → assigned, task-machine.ts): one statement that picks the task, the tool it runs with,
// and hands out a fresh lease. The allocator's score of a claim is stored beside it afterwards.
import { sql } from "drizzle-orm";
import { type Db, ts } from "../../db/store.ts";
import type { TaskRow } from "../../tasks/queries.ts";
import { runnersOf } from "../../workers/membership.ts";
import { HELD, principalActsAs, updateLogged } from "../statements.ts";

export interface ClaimInput {
  workerId: string;
  principalId: string;
  now: Date;
  leaseExpiresAt: Date;
  attemptToken: string;
  /** Claim this task only (the allocator chose this worker for it). */
  taskId?: string;
  /** Only tasks claimable since before this instant (the dispatcher's sweep leaves fresh ones to the allocator). */
  queuedBefore?: Date;
  /** The allocator's breakdown, stored with the assignment. */
  score?: unknown;
}

/**
 * Claims the best queued task this worker may run: one of the task's tools runnable here now (the rule of
 * allocator/tool-choice.ts: offered, healthy, not limited, taking the model, under its per-tool cap), every
 * required label, enough capacity, the task's user allowed to run on the worker, pinned tasks only to
 * their worker; highest priority first, then the user holding the fewest tasks (fair share), then the
 * longest waiting. The claim sets `tool` to the first tool of the task's list the worker can run now.
 * Nothing when the worker is draining or has no free slot.
 */
export async function claimTask(db: Db, input: ClaimInput): Promise<TaskRow | undefined> {
  const { workerId, now } = input;
  const [row] = await updateLogged(
    db,
    sql`
    with w as materialized (
      select w.labels, w.capacity,
        -- {tool name: {models, any_model}} of the tools the worker can run a task with right now.
        (select coalesce(jsonb_object_agg(offered.entry->>'name', jsonb_build_object(
                  'models', coalesce(offered.entry->'models', '[]'::jsonb),
                  'any_model', coalesce((offered.entry->>'any_model')::boolean, false))), '{}'::jsonb)
         from jsonb_array_elements(w.tools) as offered(entry)
         where coalesce((offered.entry->>'healthy')::boolean, true)
           and (offered.entry->>'limited_until' is null
                or (offered.entry->>'limited_until')::timestamptz <= ${ts(now)})
           and (offered.entry->>'max_concurrent' is null
                or (select count(*) from tasks h
                    where h.worker_id = w.worker_id and h.status in ${HELD}
                      and h.tool = offered.entry->>'name') < (offered.entry->>'max_concurrent')::int)) as runnable,
        -- Only users who own the worker or accepted a share of it: an offer runs nothing.
        array(${runnersOf(sql`w.worker_id`)}) as user_ids, w.owner_user_id
      from workers w
      where w.worker_id = ${workerId}::uuid and not w.draining
        and ${principalActsAs(input.principalId, sql`w.worker_id`)}
        and (select count(*) from tasks h where h.worker_id = w.worker_id and h.status in ${HELD}) < w.slots
    ),
    -- Fair share: each user allowed on the worker offers their best eligible task (one short walk of
    -- tasks_queue_user_idx per user; the worker's fields are read once from the materialized row), then
    -- the highest priority wins and, among equals, the user holding the fewest tasks right now — so one
    -- user's 10 000 queued tasks cannot starve another's one. Each offer is locked SKIP LOCKED, so
    -- concurrent claimers move on to the next task instead of waiting.
    offers as (
      select c.task_id, c.tool, c.priority, c.available_at, c.created_at,
        (select count(*) from tasks h where h.user_id = u.user_id and h.status in ${HELD}) as held
      from unnest((select user_ids from w)::uuid[]) as u(user_id)
      cross join lateral (
        select t.task_id, pick.tool, t.priority, t.available_at, t.created_at from tasks t
        -- The first of the task's tools the worker can run now, with the task's model; none: not this task.
        cross join lateral (
          select choice.tool from jsonb_array_elements_text(t.tools) with ordinality as choice(tool, position)
          where (select runnable from w)->choice.tool is not null
            and (t.model is null
                 or ((select runnable from w)->choice.tool->>'any_model')::boolean
                 or jsonb_array_length((select runnable from w)->choice.tool->'models') = 0
                 or (select runnable from w)->choice.tool->'models' @> to_jsonb(t.model))
          order by choice.position
          limit 1
        ) pick
        where exists (select 1 from w)
          and t.user_id = u.user_id
          and t.status = 'queued' and t.available_at <= ${ts(input.queuedBefore ?? now)}
          and ${input.taskId ? sql`t.task_id = ${input.taskId}::uuid` : sql`true`}
          and (t.pinned_worker_id is null or t.pinned_worker_id = ${workerId}::uuid)
          and (select labels from w) @> coalesce(t.requirements->'labels', '[]'::jsonb)
          and (t.requirements->'min_cpu_cores' is null
               or ((select capacity from w)->>'cpu_cores')::numeric >= (t.requirements->>'min_cpu_cores')::numeric)
          and (t.requirements->'min_memory_gb' is null
               or ((select capacity from w)->>'memory_gb')::numeric >= (t.requirements->>'min_memory_gb')::numeric)
        -- Exactly tasks_queue_user_idx's order (drizzle writes DESC NULLS LAST), or the planner sorts.
        order by t.priority desc nulls last, t.available_at, t.created_at
        limit 1
        for update of t skip locked
      ) c
    ),
    candidate as (
      select task_id, tool from offers
      order by priority desc, held, available_at, created_at
      limit 1
    )
    update tasks set
      status = 'assigned', tool = candidate.tool,
      worker_id = ${workerId}::uuid, worker_owner_user_id = (select owner_user_id from w),
      attempt = tasks.attempt + 1,
      lease_token = ${input.attemptToken}::uuid, lease_expires_at = ${ts(input.leaseExpiresAt)},
      progress = 0, updated_at = ${ts(now)},
      score = ${input.score === undefined ? null : JSON.stringify(input.score)}::jsonb
    from candidate
    where tasks.task_id = candidate.task_id and tasks.status = 'queued'
    returning tasks.*`,
    sql`null`,
    // The event names the tool the attempt runs with (the task's list may hold several).
    sql`jsonb_build_object('tool', tool)`,
  );
  return row;
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
  // Rows locked in task order, as the batched reports lock theirs (batched.ts): an UPDATE … FROM locks in
  // whatever order its join yields, and two such statements over the same tasks deadlocked under load.
  await db.execute(sql`
    with v(task_id, lease_token, score) as (values ${sql.join(values, sql`, `)}),
    locked as (
      select tasks.task_id, v.score from tasks join v on tasks.task_id = v.task_id and tasks.lease_token = v.lease_token
      order by tasks.task_id
      for update of tasks
    )
    update tasks set score = locked.score from locked where tasks.task_id = locked.task_id`);
}
