// A task's attempts, read from its `status` events (every transition writes one, queue/task-machine.ts):
//   assigned (claim: attempt + 1, the worker, the tool) → running (start) → how it ended:
//   completed | failed | timed_out | cancelled, or queued again (retried; parked when the event names a limit).
// An offer taken back lowers the attempt number again, so the next claim re-uses it: a later `assigned` of the
// same number starts that attempt over.
import type { AttemptOutcome, TaskAttempt, TaskStatus } from "@garageswarm/protocol";
import { sql } from "drizzle-orm";
import { type Db, selectRows } from "../db/store.ts";

export interface StatusEvent {
  attempt: number;
  data: Record<string, unknown>;
  created_at: string;
  machine_name: string | null;
  /** The user named by the event's `by_user_id` (a cancel). */
  by_username: string | null;
}

const endings: Partial<Record<string, AttemptOutcome>> = {
  completed: "completed",
  failed: "failed",
  timed_out: "timed_out",
  cancelled: "cancelled",
};

const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** `owner`: the task's user, who is the one a "cancelled by user" event from before `by_user_id` means. */
export function foldAttempts(
  events: readonly StatusEvent[],
  owner: { user_id: string; username: string | null },
  current: { attempt: number; status: TaskStatus },
): TaskAttempt[] {
  const attempts = new Map<number, TaskAttempt>();
  for (const event of events) {
    const status = text(event.data.status);
    if (event.attempt < 1 || !status) continue;
    const workerId = text(event.data.worker_id);
    if (status === "assigned") {
      attempts.set(event.attempt, {
        attempt: event.attempt,
        worker_id: workerId,
        machine_name: event.machine_name,
        tool: text(event.data.tool),
        started_at: event.created_at,
        ended_at: null,
        outcome: "offered",
        reason: null,
        cancelled_by: null,
      });
      continue;
    }
    const attempt = attempts.get(event.attempt);
    if (!attempt) continue;
    if (!attempt.worker_id && workerId) attempt.worker_id = workerId;
    if (!attempt.machine_name && event.machine_name) attempt.machine_name = event.machine_name;
    if (status === "running") {
      attempt.outcome = "running";
      continue;
    }
    const reason = text(event.data.reason);
    attempt.ended_at = event.created_at;
    attempt.reason = reason;
    if (status === "queued") attempt.outcome = event.data.limit ? "parked" : "retried";
    else attempt.outcome = endings[status] ?? attempt.outcome;
    if (status === "cancelled") attempt.cancelled_by = cancelledBy(event, reason, owner);
  }
  // An offer taken back leaves its `assigned` behind under a number the task no longer holds.
  return [...attempts.values()]
    .filter(
      (attempt) =>
        attempt.outcome !== "offered" || (attempt.attempt === current.attempt && current.status === "assigned"),
    )
    .sort((a, b) => a.attempt - b.attempt);
}

function cancelledBy(
  event: StatusEvent,
  reason: string | null,
  owner: { user_id: string; username: string | null },
): TaskAttempt["cancelled_by"] {
  const byUserId = text(event.data.by_user_id);
  if (byUserId) return { user_id: byUserId, username: event.by_username, workflow_run: false };
  if (reason === "cancelled by its workflow run") return { user_id: null, username: null, workflow_run: true };
  return { user_id: owner.user_id, username: owner.username, workflow_run: false };
}

/** The task's status events, oldest first, with the machine and the cancelling user they name. */
export function listStatusEvents(db: Db, taskId: string): Promise<StatusEvent[]> {
  return selectRows<StatusEvent>(
    db,
    sql`select e.attempt, e.data,
               to_char(e.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
               w.machine_name, u.username as by_username
        from task_events e
        left join workers w on w.worker_id::text = e.data->>'worker_id'
        left join users u on u.user_id::text = e.data->>'by_user_id'
        where e.task_id = ${taskId}::uuid and e.kind = 'status'
        order by e.event_id`,
  );
}
