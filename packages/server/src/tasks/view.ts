// Rows to wire shapes. Columns already carry the wire names; only timestamps and JSON need care.
import type {
  ClaimedTask,
  Task,
  TaskPlacement,
  TaskRequirements,
  TaskResult,
  TaskStatus,
  ToolId,
} from "@garageswarm/protocol";
import type { Db } from "../db/store.ts";
import { findPlacementNames, type PlacementNames, type TaskRow } from "./queries.ts";

const iso = (value: Date | null): string | null => value?.toISOString() ?? null;

/** The rows as views, with their provenance names read in one query. */
export async function toTaskViews(db: Db, rows: readonly TaskRow[]): Promise<Task[]> {
  const names = await findPlacementNames(db, rows);
  return rows.map((row) => toTaskView(row, names));
}

export async function toTaskViewOf(db: Db, row: TaskRow): Promise<Task> {
  return toTaskView(row, await findPlacementNames(db, [row]));
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

export function toTaskView(row: TaskRow, names: PlacementNames): Task {
  return {
    task_id: row.task_id,
    description: row.description,
    prompt: row.prompt,
    tool: row.tool as ToolId,
    tools: [row.tool as ToolId],
    on_limit: "wait",
    waiting_reason: null,
    model: row.model,
    priority: row.priority,
    requirements: row.requirements as TaskRequirements,
    options: row.options as Record<string, unknown>,
    timeout_seconds: row.timeout_seconds,
    max_attempts: row.max_attempts,
    status: row.status as TaskStatus,
    progress: row.progress,
    worker_id: row.worker_id,
    pinned_worker_id: row.pinned_worker_id,
    ran_on: placementOf(row, names),
    attempt: row.attempt,
    result: (row.result as TaskResult | null) ?? null,
    error: row.error,
    score: (row.score as Record<string, unknown> | null) ?? null,
    available_at: row.available_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    workflow_id: row.workflow_id,
    run_id: row.run_id,
    node_id: row.node_id,
  };
}

/** A claimed row always carries its lease; this is the worker's copy, with the fencing token. */
export async function toClaimedTaskView(db: Db, row: TaskRow): Promise<ClaimedTask> {
  if (!row.lease_token || !row.lease_expires_at) throw new Error(`task ${row.task_id} was claimed without a lease`);
  const view = await toTaskViewOf(db, row);
  return {
    ...view,
    attempt_token: row.lease_token,
    lease_expires_at: row.lease_expires_at.toISOString(),
    owner_user_id: row.user_id,
  };
}
