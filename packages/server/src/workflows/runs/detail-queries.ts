// SQL of what the run page reads beside a run: every task attempt of its nodes, and the approvals
// waiting across a user's runs (the inbox and the nav badge).
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { runNodes, tasks, workers, workflowRuns, workflowRunTasks, workflows } from "../../db/schema.ts";
import type { Db } from "../../db/store.ts";
import { ACTIVE_RUN_STATUSES } from "./queries.ts";

/** Each task the run's nodes ran, by node, then iteration and attempt. */
export async function findRunAttempts(db: Db, runId: string) {
  return db
    .select({
      node_id: workflowRunTasks.node_id,
      iteration: workflowRunTasks.iteration,
      attempt: workflowRunTasks.attempt,
      task_id: tasks.task_id,
      status: tasks.status,
      tool: tasks.tool,
      prompt: tasks.prompt,
      worker_id: tasks.worker_id,
      worker_name: workers.machine_name,
      output: sql<string | null>`${tasks.result}->>'output'`,
      error: tasks.error,
      created_at: tasks.created_at,
      started_at: tasks.started_at,
      completed_at: tasks.completed_at,
    })
    .from(workflowRunTasks)
    .innerJoin(tasks, eq(tasks.task_id, workflowRunTasks.task_id))
    .leftJoin(workers, eq(workers.worker_id, tasks.worker_id))
    .where(eq(workflowRunTasks.run_id, runId))
    .orderBy(asc(workflowRunTasks.node_id), asc(workflowRunTasks.iteration), asc(workflowRunTasks.attempt));
}

/** Nodes waiting for approval in the user's active runs, oldest first. */
export async function findPendingApprovals(db: Db, userId: string) {
  return db
    .select({
      run_id: workflowRuns.run_id,
      workflow_id: workflowRuns.workflow_id,
      workflow_name: workflows.name,
      run_number: workflowRuns.run_number,
      node_id: runNodes.node_id,
      message: sql<
        string | null
      >`(select node->>'message' from jsonb_array_elements(${workflowRuns.graph}->'nodes') as node
                                   where node->>'id' = ${runNodes.node_id} limit 1)`,
      waiting_since: workflowRuns.updated_at,
    })
    .from(runNodes)
    .innerJoin(workflowRuns, eq(workflowRuns.run_id, runNodes.run_id))
    .innerJoin(workflows, eq(workflows.workflow_id, workflowRuns.workflow_id))
    .where(
      and(
        eq(workflowRuns.user_id, userId),
        inArray(workflowRuns.status, ACTIVE_RUN_STATUSES),
        eq(runNodes.status, "waiting_approval"),
      ),
    )
    .orderBy(asc(workflowRuns.updated_at), asc(runNodes.node_id))
    .limit(200);
}
