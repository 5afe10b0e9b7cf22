// SQL of workflow runs: the run row (state guarded by `version`), the task of each node attempt
// (workflow_run_tasks), and the scans the advancer and the API need.
import type { RunStatus, TaskRepo, TaskWorkspace } from "@garageswarm/protocol";
import { and, desc, eq, getTableColumns, inArray, lte, notInArray, or, sql } from "drizzle-orm";
import { tasks, workers, workflowRuns, workflowRunTasks, workflows } from "../../db/schema.ts";
import type { Db } from "../../db/store.ts";
import { TERMINAL_STATUSES } from "../../queue/task-machine.ts";
import type { WaitingTask } from "../../tasks/waiting-reason.ts";
import { mayRunTasksOn, uuidParam } from "../../workers/membership.ts";
import type { TaskPlace } from "../engine/view.ts";

export type RunRow = typeof workflowRuns.$inferSelect;
export type NewRunRow = typeof workflowRuns.$inferInsert;
/** The run row but its graph, which never changes after the start (a step reads it once per process). */
export type RunHead = Omit<RunRow, "graph">;
export type WorkflowRow = typeof workflows.$inferSelect;

export const ACTIVE_RUN_STATUSES = ["pending", "running", "paused", "waiting_approval"] as const;
const UNSTARTED_TASK_STATUSES = ["pending", "queued"] as const;

/** The run row, or undefined when it is not there (or, with `userId`, not that user's). */
export async function findRun(db: Db, runId: string, userId?: string): Promise<RunRow | undefined> {
  const conditions = [eq(workflowRuns.run_id, runId)];
  if (userId) conditions.push(eq(workflowRuns.user_id, userId));
  const [row] = await db
    .select()
    .from(workflowRuns)
    .where(and(...conditions));
  return row;
}

const { graph: _graph, ...headColumns } = getTableColumns(workflowRuns);

/** The run row without its graph, or undefined when it is not there. */
export async function findRunHead(db: Db, runId: string): Promise<RunHead | undefined> {
  const [row] = await db.select(headColumns).from(workflowRuns).where(eq(workflowRuns.run_id, runId));
  return row;
}

export async function findRunGraph(db: Db, runId: string): Promise<unknown> {
  const [row] = await db.select({ graph: workflowRuns.graph }).from(workflowRuns).where(eq(workflowRuns.run_id, runId));
  return row?.graph;
}

/**
 * Inserts a run numbered one past the workflow's count; a scheduled run whose occurrence another replica
 * already fired inserts nothing (null). The count is bumped by an UPDATE in the same statement: it waits for a
 * concurrent start's row lock and then reads the committed count, so two starts never take one number.
 */
export async function insertRun(db: Db, values: Omit<NewRunRow, "run_number">): Promise<RunRow | null> {
  const bumped = db
    .$with("bumped", { run_count: sql<number>`run_count` })
    .as(
      sql`update ${workflows} set run_count = run_count + 1 where ${workflows.workflow_id} = ${values.workflow_id} returning run_count`,
    );
  const [row] = await db
    .with(bumped)
    .insert(workflowRuns)
    .values({ ...values, run_number: sql`(select run_count from ${bumped})` })
    .onConflictDoNothing({ target: [workflowRuns.workflow_id, workflowRuns.occurrence_key] })
    .returning();
  return row ?? null;
}

/** The guarded write of a step: changes nothing (undefined) when another step got there first. */
export async function updateRunState(
  db: Db,
  runId: string,
  readVersion: number,
  values: Partial<
    Pick<RunRow, "state" | "timers" | "wake_at" | "status" | "result" | "error" | "started_at" | "finished_at">
  > & {
    updated_at: Date;
  },
): Promise<RunHead | undefined> {
  const [row] = await db
    .update(workflowRuns)
    .set({ ...values, version: readVersion + 1 })
    .where(and(eq(workflowRuns.run_id, runId), eq(workflowRuns.version, readVersion)))
    .returning(headColumns);
  return row;
}

export interface NodeOutcome {
  task_id: string;
  node_id: string;
  iteration: number;
  attempt: number;
  status: (typeof TERMINAL_STATUSES)[number];
  result: unknown;
  error: string | null;
  /** The worker's word on the last failure: false means another try cannot help. */
  failure_retryable: boolean | null;
  /** A code task's repository, revision and workspace (null for the others): what the node's change is. */
  repo: TaskRepo | null;
  revision: number | null;
  workspace: TaskWorkspace | null;
}

/** Finished tasks of the run whose outcome its state has not taken in yet. */
export async function findUnsettledOutcomes(db: Db, runId: string): Promise<NodeOutcome[]> {
  const rows = await db
    .select({
      task_id: workflowRunTasks.task_id,
      node_id: workflowRunTasks.node_id,
      iteration: workflowRunTasks.iteration,
      attempt: workflowRunTasks.attempt,
      status: tasks.status,
      result: tasks.result,
      error: tasks.error,
      failure_retryable: tasks.failure_retryable,
      repo: tasks.repo,
      revision: tasks.revision,
      workspace: tasks.workspace,
    })
    .from(workflowRunTasks)
    .innerJoin(tasks, eq(tasks.task_id, workflowRunTasks.task_id))
    .where(
      and(
        eq(workflowRunTasks.run_id, runId),
        eq(workflowRunTasks.settled, false),
        inArray(tasks.status, TERMINAL_STATUSES),
      ),
    );
  return rows as NodeOutcome[];
}

/**
 * One task of the run a worker has picked up (it left `queued`), or none: what ends a run's `pending`.
 * Asked only while the run has not begun, so a run costs this query until its first pickup, never after.
 * Settled tasks are left out (their outcome, taken in, already began the run), so the partial index serves.
 */
export async function findStartedTask(
  db: Db,
  runId: string,
): Promise<{ node_id: string; iteration: number; attempt: number } | undefined> {
  const [row] = await db
    .select({
      node_id: workflowRunTasks.node_id,
      iteration: workflowRunTasks.iteration,
      attempt: workflowRunTasks.attempt,
    })
    .from(workflowRunTasks)
    .innerJoin(tasks, eq(tasks.task_id, workflowRunTasks.task_id))
    .where(
      and(
        eq(workflowRunTasks.run_id, runId),
        eq(workflowRunTasks.settled, false),
        notInArray(tasks.status, [...UNSTARTED_TASK_STATUSES]),
      ),
    )
    .limit(1);
  return row;
}

export async function settleRunTasks(db: Db, taskIds: string[]): Promise<void> {
  if (taskIds.length === 0) return;
  await db.update(workflowRunTasks).set({ settled: true }).where(inArray(workflowRunTasks.task_id, taskIds));
}

/**
 * The revisions a node's new task continues leave review (unreviewed → changes_requested), as a review's
 * follow-up leaves the one it follows: only the latest revision of a chain is reviewed.
 */
export async function markRevisionsContinued(db: Db, taskIds: string[], now: Date): Promise<void> {
  if (taskIds.length === 0) return;
  await db
    .update(tasks)
    .set({ review_state: "changes_requested", updated_at: now })
    .where(and(inArray(tasks.task_id, taskIds), eq(tasks.review_state, "unreviewed")));
}

/** The worker that ran each of these tasks (for affinity: a node prefers its upstream node's worker). */
export async function findTaskWorkers(db: Db, taskIds: string[]): Promise<Map<string, string>> {
  if (taskIds.length === 0) return new Map();
  const rows = await db
    .select({ task_id: tasks.task_id, worker_id: tasks.worker_id })
    .from(tasks)
    .where(inArray(tasks.task_id, taskIds));
  return new Map(rows.flatMap((row) => (row.worker_id ? [[row.task_id, row.worker_id] as const] : [])));
}

/**
 * Status and worker of each of these tasks (the nodes' current tasks of one run or of a page of runs), in one
 * statement by primary key however many runs asked; a queued one also carries what its waiting reason reads.
 */
export async function findTaskPlaces(db: Db, taskIds: string[]): Promise<Map<string, TaskPlaceRow>> {
  if (taskIds.length === 0) return new Map();
  const rows = await db
    .select({
      task_id: tasks.task_id,
      user_id: tasks.user_id,
      status: tasks.status,
      worker_id: tasks.worker_id,
      worker_owner_user_id: tasks.worker_owner_user_id,
      tools: tasks.tools,
      model: tasks.model,
      requirements: tasks.requirements,
      pinned_worker_id: tasks.pinned_worker_id,
      available_at: tasks.available_at,
      attempt: tasks.attempt,
      error: tasks.error,
      parked: tasks.parked,
    })
    .from(tasks)
    .where(sql`${tasks.task_id} = any(${`{${taskIds.join(",")}}`}::uuid[])`);
  return new Map(rows.map((row) => [row.task_id, row]));
}

/** A node's task as findTaskPlaces reads it: where it is, and what its waiting reason is computed from. */
export type TaskPlaceRow = TaskPlace & WaitingTask & { task_id: string; user_id: string };

/** Online workers the user may run `tool` on (owned, or an accepted share): the fan-out targets of `replicas: "all"`. */
export async function findEligibleWorkerIds(db: Db, userId: string, tool: string): Promise<string[]> {
  const rows = await db
    .select({ worker_id: workers.worker_id })
    .from(workers)
    .where(
      and(
        mayRunTasksOn(uuidParam(userId), sql`${workers.worker_id}`),
        eq(workers.draining, false),
        sql`${workers.status} <> 'offline'`,
        sql`exists (select 1 from jsonb_array_elements(${workers.tools}) as offered(entry)
                    where offered.entry->>'name' = ${tool}
                      and coalesce((offered.entry->>'healthy')::boolean, true))`,
      ),
    )
    .orderBy(workers.created_at, workers.worker_id);
  return rows.map((row) => row.worker_id);
}

/**
 * Active runs with work waiting: a due timer, a finished task the state has not taken in, or (a run not yet
 * begun, `started_at` null) a task a worker picked up.
 */
export async function findRunsNeedingWork(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ run_id: workflowRuns.run_id })
    .from(workflowRuns)
    .where(
      and(
        inArray(workflowRuns.status, ACTIVE_RUN_STATUSES),
        or(
          lte(workflowRuns.wake_at, now),
          sql`exists (select 1 from ${workflowRunTasks} rt join ${tasks} t on t.task_id = rt.task_id
                      where rt.run_id = ${workflowRuns.run_id} and not rt.settled
                        and t.status in ('completed', 'failed', 'cancelled', 'timed_out'))`,
          sql`(${workflowRuns.started_at} is null
               and exists (select 1 from ${workflowRunTasks} rt join ${tasks} t on t.task_id = rt.task_id
                           where rt.run_id = ${workflowRuns.run_id} and not rt.settled
                             and t.status not in ('pending', 'queued')))`,
        ),
      ),
    )
    .limit(limit);
  return rows.map((row) => row.run_id);
}

export async function findActiveRunIdsOfWorkflow(db: Db, userId: string, workflowId: string): Promise<string[]> {
  const rows = await db
    .select({ run_id: workflowRuns.run_id })
    .from(workflowRuns)
    .where(
      and(
        eq(workflowRuns.workflow_id, workflowId),
        eq(workflowRuns.user_id, userId),
        inArray(workflowRuns.status, ACTIVE_RUN_STATUSES),
      ),
    );
  return rows.map((row) => row.run_id);
}

export interface RunCursor {
  created_at: string;
  run_id: string;
}

/** Newest first, keyset-paged like every other list. */
export async function listRunsOfWorkflow(
  db: Db,
  userId: string,
  workflowId: string,
  filter: { status?: RunStatus | undefined },
  after: RunCursor | null,
  limit: number,
): Promise<Array<RunRow & { cursor_created_at: string }>> {
  const conditions = [eq(workflowRuns.workflow_id, workflowId), eq(workflowRuns.user_id, userId)];
  if (filter.status) conditions.push(eq(workflowRuns.status, filter.status));
  if (after) {
    conditions.push(
      sql`(${workflowRuns.created_at}, ${workflowRuns.run_id}) < (${after.created_at}::timestamptz, ${after.run_id}::uuid)`,
    );
  }
  const rows = await db
    .select({
      run: workflowRuns,
      cursor_created_at: sql<string>`to_char(${workflowRuns.created_at} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(workflowRuns)
    .where(and(...conditions))
    .orderBy(desc(workflowRuns.created_at), desc(workflowRuns.run_id))
    .limit(limit);
  return rows.map((row) => ({ ...row.run, cursor_created_at: row.cursor_created_at }));
}

export async function findWorkflowById(db: Db, workflowId: string): Promise<WorkflowRow | undefined> {
  const [row] = await db.select().from(workflows).where(eq(workflows.workflow_id, workflowId));
  return row;
}

/** Active workflows with a schedule, for the cron scheduler. */
export async function listScheduledWorkflows(db: Db): Promise<WorkflowRow[]> {
  return db
    .select()
    .from(workflows)
    .where(
      and(
        eq(workflows.status, "active"),
        sql`${workflows.schedule} is not null`,
        sql`${workflows.schedule} <> 'null'::jsonb`,
      ),
    );
}
