import type { Task } from "@garageswarm/protocol";
import { lazy, Suspense } from "react";
import { Link, useLocation } from "wouter";
import { session } from "../../api/session.ts";
import { useStore } from "../../api/store.ts";
import { useTaskAttempts } from "../../api/task-attempts.ts";
import { terminalStatuses, useTask, useTaskAction } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { FormError } from "../../components/form.tsx";
import { formatCost, formatDateSeconds, formatElapsed, formatNumber } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { WaitingReasonText } from "../../components/waiting-reason.tsx";
import { limitPolicyLabels, taskStatusLabels, toolLabels } from "../../labels.ts";
import { ScoreBreakdown } from "./score-breakdown.tsx";
import { TaskOutput } from "./task-output.tsx";
import { useNow } from "./use-now.ts";

// A code task's review (summary, checks, files, diff, comments): loaded only when a task has a repository.
const CodeReview = lazy(() =>
  import("../code-review/code-review.tsx").then((module) => ({ default: module.CodeReview })),
);

export function TaskDetailPage({ taskId }: { taskId: string }) {
  const task = useTask(taskId);
  if (task.isPending) return <Loading what="the task" />;
  if (task.isError) {
    return (
      <Page title="Task">
        <ErrorState error={task.error} what="the task" onRetry={() => task.refetch()} />
        <Link href="/tasks">Back to tasks</Link>
      </Page>
    );
  }
  return <TaskDetail task={task.data} />;
}

function TaskDetail({ task }: { task: Task }) {
  const [, navigate] = useLocation();
  const action = useTaskAction();
  const workers = useWorkers();
  const worker = workers.data?.find((w) => w.worker_id === task.worker_id);
  const finished = terminalStatuses.includes(task.status);
  const run = (kind: "cancel" | "delete" | "retry") =>
    action.mutate(
      { task, action: kind },
      {
        onSuccess: (result) => {
          if (kind === "delete") navigate("/tasks");
          if (kind === "retry" && result) navigate(`/tasks/${result.task_id}`);
        },
      },
    );

  return (
    <Page
      title={task.description}
      actions={
        <>
          {finished ? null : (
            <button type="button" onClick={() => run("cancel")} disabled={action.isPending}>
              Cancel task
            </button>
          )}
          {finished ? (
            <button type="button" onClick={() => run("retry")} disabled={action.isPending}>
              Retry task
            </button>
          ) : null}
          {finished ? (
            <button
              type="button"
              className="danger"
              disabled={action.isPending}
              onClick={async () => {
                const yes = await confirmAction({
                  title: "Delete this task and its log?",
                  confirm: "Delete task",
                  danger: true,
                });
                if (yes) run("delete");
              }}
            >
              Delete task
            </button>
          ) : null}
        </>
      }
    >
      <p>
        <Link href="/tasks">← All tasks</Link>
      </p>
      <FormError error={action.error} />
      {task.repo || task.result?.code ? (
        <Suspense fallback={<Loading what="the change" />}>
          <CodeReview task={task} />
        </Suspense>
      ) : null}
      <div className="grid two">
        <Section title="Details">
          <dl className="facts">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={task.status} label={taskStatusLabels[task.status]} />
              {task.status === "running" ? (
                <progress max={100} value={task.progress} aria-label="Progress">
                  {task.progress}%
                </progress>
              ) : null}
            </dd>
            {task.waiting_reason ? (
              <>
                <dt>Waiting</dt>
                <dd>
                  {/* In the dd, not on it: a role on the dd would take it out of the list's dt/dd pairs. */}
                  <span role="status">
                    <WaitingReasonText reason={task.waiting_reason} />
                  </span>
                </dd>
              </>
            ) : null}
            <dt>Tool</dt>
            <dd>
              {toolLabels[task.tool]}
              {task.model ? ` · ${task.model}` : ""}
            </dd>
            {task.tools.length > 1 ? (
              <>
                <dt>Tools</dt>
                <dd>{task.tools.map((tool) => toolLabels[tool]).join(", then ")}</dd>
              </>
            ) : null}
            <dt>On usage limit</dt>
            <dd>{limitPolicyLabels[task.on_limit]}</dd>
            <dt>Priority</dt>
            <dd>{task.priority}</dd>
            <dt>{finished ? "Ran on" : "Worker"}</dt>
            <dd>
              <RanOn task={task} fallbackName={worker?.machine_name} />
            </dd>
            {task.retry_of_task_id ? (
              <>
                <dt>Retry of</dt>
                <dd>
                  <Link href={`/tasks/${task.retry_of_task_id}`}>the task it retries</Link>
                </dd>
              </>
            ) : null}
            {task.workflow_id && task.run_id ? (
              <>
                <dt>Workflow</dt>
                <dd>
                  <Link href={`/workflows/${task.workflow_id}/runs/${task.run_id}`}>Node {task.node_id} of a run</Link>
                </dd>
              </>
            ) : null}
            <dt>Attempts</dt>
            <dd>
              {task.attempt} of {task.max_attempts}
              {task.limited_attempts ? (
                <span className="muted"> · {task.limited_attempts} stopped by a usage limit, not counted</span>
              ) : null}
            </dd>
            <Timing task={task} />
            {task.requirements.labels?.length ? (
              <>
                <dt>Labels</dt>
                <dd>{task.requirements.labels.join(", ")}</dd>
              </>
            ) : null}
          </dl>
        </Section>
        <Section title="Usage">
          {task.result ? (
            <dl className="facts">
              <dt>Input tokens</dt>
              <dd>{formatNumber(task.result.usage.input_tokens)}</dd>
              <dt>Output tokens</dt>
              <dd>{formatNumber(task.result.usage.output_tokens)}</dd>
              <dt>Cost</dt>
              <dd>{formatCost(task.result.usage.cost_usd)}</dd>
              <dt>Exit code</dt>
              <dd>{task.result.exit_code ?? "—"}</dd>
            </dl>
          ) : (
            <p className="muted">{finished ? "No usage was reported." : "Usage is reported when the task finishes."}</p>
          )}
          <ScoreBreakdown score={task.score} workers={workers.data ?? []} />
        </Section>
      </div>
      {task.error ? (
        <Section title="Error">
          <pre className="log error-text">{task.error}</pre>
        </Section>
      ) : null}
      <TaskOutput task={task} finished={finished} />
      {task.result ? (
        <Section title="Result">
          <pre className="log">{task.result.output || "(no output)"}</pre>
        </Section>
      ) : null}
      <Section title="Prompt">
        <pre className="log">{task.prompt}</pre>
      </Section>
    </Page>
  );
}

/** Which machine holds or ran the task, and whose it is: marked when it is someone else's. */
function RanOn({ task, fallbackName }: { task: Task; fallbackName: string | undefined }) {
  const current = useStore(session);
  const me = current.status === "signed_in" || current.status === "expired" ? current.user.user_id : null;
  const place = task.ran_on;
  if (!place) return <>{task.worker_id ? (fallbackName ?? task.worker_id) : "Not assigned yet"}</>;
  const machine = place.machine_name ?? fallbackName ?? (place.worker_id ? place.worker_id : "a deleted worker");
  if (place.owner_user_id === me) return <>{machine} · your machine</>;
  return (
    <>
      {machine} · {place.owner_username ?? "another user"}'s machine{" "}
      <span className="chip" title="This machine belongs to another user, who can see this task's prompt and result.">
        not yours
      </span>
    </>
  );
}

/** Created, started and finished to the second; how long it waited and ran (live while it runs); who cancelled. */
function Timing({ task }: { task: Task }) {
  const running = task.status === "running" || task.status === "assigned";
  const now = useNow(running || task.status === "queued");
  const attempts = useTaskAttempts(task.task_id).data ?? [];
  const cancelledBy = attempts.findLast((attempt) => attempt.cancelled_by)?.cancelled_by;
  return (
    <>
      <dt>Created</dt>
      <dd>{formatDateSeconds(task.created_at)}</dd>
      <dt>Started</dt>
      <dd>
        {formatDateSeconds(task.started_at)}
        {task.started_at ? (
          <span className="muted"> · waited {formatElapsed(task.created_at, task.started_at)}</span>
        ) : null}
      </dd>
      <dt>Finished</dt>
      <dd>{formatDateSeconds(task.completed_at)}</dd>
      {task.started_at ? (
        <>
          <dt>{running ? "Running for" : "Duration"}</dt>
          <dd>
            <time aria-live="off">{formatElapsed(task.started_at, running ? null : task.completed_at, now)}</time>
          </dd>
        </>
      ) : null}
      {task.status === "cancelled" ? (
        <>
          <dt>Cancelled by</dt>
          <dd>
            {cancelledBy
              ? cancelledBy.workflow_run
                ? "its workflow run"
                : (cancelledBy.username ?? "a deleted user")
              : task.run_id
                ? "you or its workflow run"
                : "you"}
          </dd>
        </>
      ) : null}
    </>
  );
}
