// What the rest of the server hears about a task: a hint on the bus. (Its event log is written by the
// transitions themselves, queue/transitions/.)
import { publish } from "../bus/channels.ts";
import type { Resources } from "../resources.ts";
import type { TaskRow } from "./queries.ts";

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
