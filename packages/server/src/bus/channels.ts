// Every bus channel and its message, in one place. Messages are small hints; the database is the truth,
// so a subscriber that needs more reads the row.
import type { TaskStatus, WorkerUpdateStatus } from "@garageswarm/protocol";
import type { Bus } from "./bus.ts";

export interface BusMessages {
  /** A task became claimable (created, or re-queued): wakes long-polling pullers and the dispatcher. */
  "task.queued": {
    task_id: string;
    user_id: string;
    /** The task's tools, in order of preference: a worker offering any of them may be able to run it. */
    tools: string[];
    pinned_worker_id: string | null;
    /** What the allocator needs, so a replica need not read the task back to place it. */
    model: string | null;
    requirements: Record<string, unknown>;
    preferred_worker_id: string | null;
    /** A code task's repository: workers that already hold a clone of it are preferred. */
    repo_url?: string | null;
    /** A worker that let this task's offer time out: the allocator passes it over for this hint. */
    avoid_worker_id?: string | null;
  };
  /** A task's status or progress changed: for the user's dashboards. */
  "task.updated": {
    task_id: string;
    user_id: string;
    status: TaskStatus;
    progress: number;
    attempt: number;
    worker_id: string | null;
    error: string | null;
    run_id: string | null;
    node_id: string | null;
  };
  /** The worker holding a task must stop it (cancelled, timed out): its connection forwards this. */
  "task.cancel": { task_id: string; worker_id: string; reason: string };
  /** A chunk of a running task's live output: for subscribed dashboards and `task logs --follow`. */
  "task.output": {
    task_id: string;
    user_id: string;
    attempt: number;
    seq: number;
    stream: "stdout" | "stderr" | "event";
    chunk: string;
  };
  /**
   * Tasks were deleted: every replica removes their output spill files. `null`: tasks went by cascade (a
   * workflow's or a user's), so each replica sweeps for files whose task is gone.
   */
  "tasks.deleted": { task_ids: string[] | null };
  /** A workflow run changed status (the workflow engine publishes; dashboards listen). */
  "run.updated": { run_id: string; workflow_id: string; user_id: string; status: string };
  /** A node of a run changed status. */
  "node.updated": { run_id: string; user_id: string; node_id: string; status: string; task_id: string | null };
  /** A worker registered, changed status, drained, or was deleted. */
  "worker.updated": {
    worker_id: string;
    owner_user_id: string;
    status: WorkerUpdateStatus;
    draining: boolean;
  };
  /** An admin disabled the user: every replica closes the user's open sockets (workers and dashboards). */
  "user.disabled": { user_id: string };
  /** A worker's heartbeat: its resources now, for the sparklines of dashboards that can see it. */
  "worker.heartbeat": {
    worker_id: string;
    owner_user_id: string;
    cpu_percent: number;
    memory_percent: number;
    disk_percent: number;
    running_tasks: number;
  };
}

export type Channel = keyof BusMessages;

/** Publishes a typed message. A failed publish is dropped: the row is truth, and long-poll timeouts and leases cover a lost hint. */
export function publish<C extends Channel>(bus: Bus, channel: C, message: BusMessages[C]): Promise<void> {
  return bus.publish(channel, message).catch(() => {});
}

export function subscribe<C extends Channel>(
  bus: Bus,
  channel: C,
  handler: (message: BusMessages[C]) => void,
): Promise<() => Promise<void>> {
  return bus.subscribe(channel, (message) => handler(message as BusMessages[C]));
}
