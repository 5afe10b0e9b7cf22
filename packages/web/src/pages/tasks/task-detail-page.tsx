import type { Task, ToolId } from "@garageswarm/protocol";
import { lazy, Suspense, useEffect, useRef } from "react";
import { Link, useLocation } from "wouter";
import { session } from "../../api/session.ts";
import { useStore } from "../../api/store.ts";
import { useTaskOutput } from "../../api/task-output.ts";
import { terminalStatuses, useTask, useTaskAction } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { FormError } from "../../components/form.tsx";
import { formatCost, formatDate, formatNumber, formatUntil } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { limitPolicyLabels, taskStatusLabels, toolLabels } from "../../labels.ts";

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
                  {/* The live region sits inside the <dd>: a <dl> may hold only dt/dd groups (axe definition-list). */}
                  <span role="status">
                    {task.waiting_reason.message}
                    {task.waiting_reason.until ? (
                      <span className="muted"> · until {formatUntil(task.waiting_reason.until)}</span>
                    ) : null}
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
            <dt>Created</dt>
            <dd>{formatDate(task.created_at)}</dd>
            <dt>Started</dt>
            <dd>{formatDate(task.started_at)}</dd>
            <dt>Finished</dt>
            <dd>{formatDate(task.completed_at)}</dd>
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
            <p className="muted">Usage is reported when the task finishes.</p>
          )}
          <ScoreBreakdown score={task.score} />
        </Section>
      </div>
      {task.error ? (
        <Section title="Error">
          <pre className="log error-text">{task.error}</pre>
        </Section>
      ) : null}
      <LiveLog taskId={task.task_id} finished={finished} />
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

const scoreOrder = ["total", "match", "availability", "balance", "affinity"];
const scoreNames: Record<string, string> = { total: "Total (weighted)", candidates: "Workers considered" };

function ScoreBreakdown({ score }: { score: Record<string, unknown> | null }) {
  if (!score) return <p className="muted">No allocator score: the task was not pushed to a worker.</p>;
  const rank = (name: string) => (scoreOrder.includes(name) ? scoreOrder.indexOf(name) : scoreOrder.length);
  const entries = (Object.entries(score).filter(([, value]) => typeof value === "number") as [string, number][]).sort(
    ([a], [b]) => rank(a) - rank(b),
  );
  const tool = typeof score.tool === "string" ? (score.tool as ToolId) : null;
  const passedOver = Array.isArray(score.passed_over)
    ? (score.passed_over as Array<{ tool: ToolId; reason: string }>)
    : [];
  return (
    <table>
      <caption>Why this worker (allocator score)</caption>
      <tbody>
        {tool ? (
          <tr>
            <th scope="row">Tool chosen</th>
            <td>{toolLabels[tool] ?? tool}</td>
          </tr>
        ) : null}
        {passedOver.map((passed) => (
          <tr key={passed.tool}>
            <th scope="row">Passed over {toolLabels[passed.tool] ?? passed.tool}</th>
            <td>{passed.reason}</td>
          </tr>
        ))}
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{scoreNames[name] ?? name.replace(/_/g, " ")}</th>
            <td>{Number.isInteger(value) && name !== "total" ? value : value.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function LiveLog({ taskId, finished }: { taskId: string; finished: boolean }) {
  const chunks = useTaskOutput(taskId);
  const log = useRef<HTMLPreElement>(null);
  // Follow the tail unless the reader has scrolled up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each new chunk on purpose.
  useEffect(() => {
    const element = log.current;
    if (element && element.scrollHeight - element.scrollTop - element.clientHeight < 80) {
      element.scrollTop = element.scrollHeight;
    }
  }, [chunks]);
  return (
    <Section title="Output">
      {chunks.length === 0 ? (
        <p className="muted">{finished ? "No output was recorded." : "Waiting for output…"}</p>
      ) : (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it.
        <pre ref={log} className="log tail" role="log" aria-label="Task output" tabIndex={0}>
          {chunks.map((chunk) => (
            <span key={`${chunk.attempt}:${chunk.seq}`} className={`stream-${chunk.stream}`}>
              {chunk.chunk}
            </span>
          ))}
        </pre>
      )}
    </Section>
  );
}
