// What the rest of the server hears about a task: an entry in its event log, and a hint on the bus.

import { publish } from "../bus/channels.ts";
import type { Db } from "../db/store.ts";
import type { Resources } from "../resources.ts";
import { insertTaskEvent, type TaskRow } from "./queries.ts";

/** Appends the row's current status to its event log (call inside the transaction that changed it). */
export function recordStatus(db: Db, row: TaskRow, now: Date, reason?: string): Promise<void> {
  return insertTaskEvent(db, {
    task_id: row.task_id,
    attempt: row.attempt,
    kind: "status",
    data: { status: row.status, worker_id: row.worker_id, ...(reason ? { reason } : {}) },
    created_at: now,
  });
}

export function publishTaskUpdated(resources: Resources, row: TaskRow): Promise<void> {
  return publish(resources.bus, "task.updated", {
    task_id: row.task_id,
    user_id: row.user_id,
    status: row.status,
    progress: row.progress,
    attempt: row.attempt,
    worker_id: row.worker_id,
    error: row.error,
    run_id: row.run_id,
    node_id: row.node_id,
  });
}
