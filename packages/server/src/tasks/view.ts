// Rows to wire shapes. Columns already carry the wire names; only timestamps and JSON need care.
import type { ClaimedTask, Task, TaskPlacement, WaitingReason } from "@garageswarm/protocol";
import type { Db } from "../db/store.ts";
import { findPlacementNames, findRunnableWorkersOf, type PlacementNames, type TaskRow } from "./queries.ts";
import { type RunnableWorker, waitingReason } from "./waiting-reason.ts";

const iso = (value: Date | null): string | null => value?.toISOString() ?? null;

/**
 * The rows as views, with their provenance names read in one query and, when any is queued, the waiting
 * reasons computed from one more (the workers their users may run tasks on).
 */
export async function toTaskViews(db: Db, rows: readonly TaskRow[], now: Date): Promise<Task[]> {
  const queuedUsers = [...new Set(rows.filter((row) => row.status === "queued").map((row) => row.user_id))];
  const [names, runnable] = await Promise.all([findPlacementNames(db, rows), findRunnableWorkersOf(db, queuedUsers)]);
  const workersOf = new Map<string, RunnableWorker[]>();
  for (const worker of runnable) workersOf.set(worker.user_id, [...(workersOf.get(worker.user_id) ?? []), worker]);
  return rows.map((row) =>
    toTaskView(row, names, waitingReason(waitingTaskOf(row), workersOf.get(row.user_id) ?? [], now)),
  );
}

export async function toTaskViewOf(db: Db, row: TaskRow, now: Date): Promise<Task> {
  const [view] = await toTaskViews(db, [row], now);
  if (!view) throw new Error(`no view of task ${row.task_id}`);
  return view;
}

function waitingTaskOf(row: TaskRow) {
  return {
    status: row.status,
    tools: row.tools,
    model: row.model,
    requirements: row.requirements,
    pinned_worker_id: row.pinned_worker_id,
    available_at: row.available_at,
    attempt: row.attempt,
    error: row.error,
    parked: row.parked,
  };
}

/** The session a claim resumes: only on the worker and with the tool that the usage limit stopped. */
export function resumeSessionId(row: Pick<TaskRow, "resume" | "worker_id" | "tool">): string | null {
  const { resume } = row;
  return resume && resume.worker_id === row.worker_id && resume.tool === row.tool ? resume.session_id : null;
}

/** A session resumed for a review round gets the task's prompt as its next turn; a parked one continues. */
export function resumeTurn(row: Pick<TaskRow, "resume" | "worker_id" | "tool">): { resume_turn?: "prompt" } {
  return resumeSessionId(row) !== null && row.resume?.turn === "prompt" ? { resume_turn: "prompt" } : {};
}

function placementOf(row: TaskRow, names: PlacementNames): TaskPlacement | null {
  if (!row.worker_owner_user_id) return null;
  return {
    worker_id: row.worker_id,
    machine_name: row.worker_id ? (names.machines.get(row.worker_id) ?? null) : null,
    owner_user_id: row.worker_owner_user_id,
    owner_username: names.owners.get(row.worker_owner_user_id) ?? null,
  };
}

export function toTaskView(row: TaskRow, names: PlacementNames, waiting: WaitingReason | null = null): Task {
  return {
    task_id: row.task_id,
    description: row.description,
    prompt: row.prompt,
    tool: row.tool,
    tools: row.tools,
    on_limit: row.on_limit,
    model: row.model,
    priority: row.priority,
    requirements: row.requirements,
    options: row.options,
    timeout_seconds: row.timeout_seconds,
    max_attempts: row.max_attempts,
    status: row.status,
    progress: row.progress,
    worker_id: row.worker_id,
    pinned_worker_id: row.pinned_worker_id,
    ran_on: placementOf(row, names),
    attempt: row.attempt,
    limited_attempts: row.limited_attempts,
    result: row.result,
    error: row.error,
    score: row.score,
    available_at: row.available_at.toISOString(),
    waiting_reason: waiting,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    workflow_id: row.workflow_id,
    run_id: row.run_id,
    node_id: row.node_id,
    repo: row.repo,
    retry_of_task_id: row.retry_of_task_id,
    follows_task_id: row.follows_task_id,
    revision: row.revision,
    review_state: row.review_state,
    pull_request: row.pull_request,
  };
}

/** A claimed row always carries its lease; this is the worker's copy, with the fencing token. */
export async function toClaimedTaskView(db: Db, row: TaskRow): Promise<ClaimedTask> {
  if (!row.lease_token || !row.lease_expires_at) throw new Error(`task ${row.task_id} was claimed without a lease`);
  const view = toTaskView(row, await findPlacementNames(db, [row]));
  return {
    ...view,
    attempt_token: row.lease_token,
    lease_expires_at: row.lease_expires_at.toISOString(),
    owner_user_id: row.user_id,
    resume_session_id: resumeSessionId(row),
    ...resumeTurn(row),
    repo: row.repo,
    workspace: row.workspace,
  };
}
