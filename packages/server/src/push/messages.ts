// What each notification says, and where tapping it leads. Built in the background (the notifier calls these),
// so a name read from the database costs the triggering request nothing.
import type { PushMessage } from "@garageswarm/protocol";
import { z } from "zod";
import type { Db } from "../db/store.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { findWorkflowOfUser } from "../workflows/queries.ts";

const BODY_MAX = 300;

function clip(text: string): string {
  return text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text;
}

interface RunRef {
  run_id: string;
  workflow_id: string;
  user_id: string;
}

async function workflowName(db: Db, run: RunRef): Promise<string> {
  return (await findWorkflowOfUser(db, run.user_id, run.workflow_id))?.name ?? "A workflow";
}

export async function approvalWaiting(db: Db, run: RunRef, nodeId: string): Promise<PushMessage> {
  return {
    kind: "approval_waiting",
    title: "Approval needed",
    body: clip(`${await workflowName(db, run)}: ${nodeId} waits for your approval.`),
    url: `/workflows/${run.workflow_id}/runs/${run.run_id}`,
    tag: `approval:${run.run_id}:${nodeId}`,
  };
}

export async function runFailed(db: Db, run: RunRef & { error: string | null }): Promise<PushMessage> {
  return {
    kind: "run_failed",
    title: "Workflow run failed",
    body: clip(`${await workflowName(db, run)}: ${run.error ?? "the run failed"}`),
    url: `/workflows/${run.workflow_id}/runs/${run.run_id}`,
    tag: `run:${run.run_id}`,
  };
}

export function taskFailed(task: TaskRow): PushMessage {
  return {
    kind: "task_failed",
    title: "Task failed",
    body: clip(`${task.description}: ${task.error ?? "it failed"}`),
    url: `/tasks/${task.task_id}`,
    tag: `task:${task.task_id}`,
  };
}

const ParkedLimit = z.object({ worker_id: z.string(), tool: z.string(), kind: z.string(), until: z.string() });

/**
 * A task parked by a usage limit (its `parked` column says which worker's tool, and until when). One notice
 * per worker and tool: the next task parked by the same limit replaces it instead of piling up.
 */
export function toolLimited(task: TaskRow): PushMessage | null {
  const parked = ParkedLimit.safeParse(task.parked);
  if (!parked.success) return null;
  const { worker_id, tool, kind, until } = parked.data;
  const waits =
    task.on_limit === "failover"
      ? "goes to another tool or worker"
      : `waits until ${until.slice(0, 16).replace("T", " ")} UTC`;
  return {
    kind: "tool_limited",
    title: `${tool}: ${kind.replaceAll("_", " ")} reached`,
    body: clip(`${task.description} ${waits}.`),
    url: `/tasks/${task.task_id}`,
    tag: `limit:${worker_id}:${tool}`,
  };
}
