// One node of a run, up close: its state, worker, duration and attempts, the prompt as rendered, the output
// (live while its task runs), approve/reject when it waits, and a link to its task. A side panel beside the
// graph on a wide screen, a sheet over the page on a phone; Escape or Close shuts it.
import type { NodeAttempt, NodeDefinition, NodeRun } from "@garageswarm/protocol";
import { useEffect, useRef } from "react";
import { Link } from "wouter";
import { useTaskOutput } from "../../api/task-output.ts";
import { formatDate, formatSeconds } from "../../components/format.ts";
import { StatusBadge } from "../../components/status-badge.tsx";
import { nodeState, nodeStatusLabels, nodeTypeLabels, taskStatusLabels } from "../../labels.ts";
import { ApprovalForm } from "./approval-request.tsx";
import { attemptSeconds, useNow } from "./run-timeline.tsx";

const running = new Set<string>(["assigned", "running"]);

export interface DrawerNode {
  nodeId: string;
  definition: NodeDefinition | undefined;
  /** The node's state in the iteration shown (null: not reached in it). */
  state: NodeRun | null;
  /** Its task attempts in the iteration shown, oldest first. */
  attempts: NodeAttempt[];
  iteration: number | null;
}

export function RunNodeDrawer({
  node,
  onClose,
  approval,
}: {
  node: DrawerNode;
  onClose: () => void;
  approval: { pending: boolean; error: unknown; decide: (decision: { approved: boolean; comment: string }) => void };
}) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [onClose]);

  const { nodeId, definition, state, attempts } = node;
  const latest = attempts.at(-1);
  const live = latest !== undefined && running.has(latest.status);
  const now = useNow(live);
  const seconds = latest ? attemptSeconds(latest, now) : null;
  const status = state ? nodeState(state) : null;
  const message = definition?.type === "approval" ? definition.message : undefined;
  return (
    <aside className="drawer" aria-label={`Node ${nodeId}`}>
      <div className="drawer-head">
        <h2>
          {nodeId}
          {node.iteration !== null && node.iteration > 0 ? (
            <span className="muted"> · iteration {node.iteration + 1}</span>
          ) : null}
        </h2>
        <button ref={close} type="button" className="ghost" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="facts">
        <dt>Type</dt>
        <dd>{definition ? nodeTypeLabels[definition.type] : (state?.type ?? "—")}</dd>
        <dt>State</dt>
        <dd>{status ? <StatusBadge status={status} label={nodeStatusLabels[status]} /> : "not reached"}</dd>
        <dt>Worker</dt>
        <dd>{latest?.worker_name ?? (latest ? "none yet: waiting for a worker" : "—")}</dd>
        <dt>Duration</dt>
        <dd>{seconds === null ? "—" : `${formatSeconds(seconds)}${live ? " so far" : ""}`}</dd>
        <dt>Attempts</dt>
        <dd>{attempts.length || (state?.attempts ?? 0)}</dd>
        <dt>Task</dt>
        <dd>{latest ? <Link href={`/tasks/${latest.task_id}`}>Open task</Link> : "none: this node runs no task"}</dd>
      </dl>
      {state?.status === "waiting_approval" ? (
        <ApprovalForm
          nodeId={nodeId}
          message={message}
          pending={approval.pending}
          error={approval.error}
          onDecide={approval.decide}
          label={`Decide ${nodeId}`}
        />
      ) : null}
      {latest ? (
        <>
          <h3>Prompt</h3>
          <pre className="log drawer-pre">{latest.prompt}</pre>
        </>
      ) : null}
      <h3>Output</h3>
      {live ? (
        <LiveOutput taskId={latest.task_id} />
      ) : (
        <NodeOutput output={latest?.output ?? state?.output ?? null} error={latest?.error ?? state?.error ?? null} />
      )}
      {attempts.length > 1 ? (
        <>
          <h3>Attempts</h3>
          <ol className="plain-list attempts">
            {attempts.map((attempt) => (
              <li key={attempt.task_id}>
                <Link href={`/tasks/${attempt.task_id}`}>Attempt {attempt.attempt}</Link>{" "}
                <StatusBadge status={attempt.status} label={taskStatusLabels[attempt.status]} />{" "}
                <span className="muted">
                  {attempt.worker_name ?? "no worker"} · {formatDate(attempt.created_at)}
                  {attemptSeconds(attempt, now) === null ? "" : ` · ${formatSeconds(attemptSeconds(attempt, now)!)}`}
                </span>
                {attempt.error ? <div className="error-text">{attempt.error}</div> : null}
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </aside>
  );
}

function NodeOutput({ output, error }: { output: string | null; error: string | null }) {
  if (error) return <pre className="log drawer-pre error-text">{error}</pre>;
  if (output === null) return <p className="muted">No output yet.</p>;
  return <pre className="log drawer-pre">{output || "(empty)"}</pre>;
}

function LiveOutput({ taskId }: { taskId: string }) {
  const chunks = useTaskOutput(taskId).filter((chunk) => chunk.stream !== "event");
  return (
    <pre className="log drawer-pre" aria-live="polite">
      {chunks.map((chunk) => chunk.chunk).join("") || "Waiting for output…"}
    </pre>
  );
}
