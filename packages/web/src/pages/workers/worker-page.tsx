// One worker: its card (status, tools, slots, heartbeat, actions), what it runs now and what it ran lately.
import type { Task, User } from "@garageswarm/protocol";
import { Link } from "wouter";
import { useTasks } from "../../api/tasks.ts";
import { useWorker } from "../../api/workers.ts";
import { formatAgo, formatSeconds } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { useNow } from "../../components/use-now.ts";
import { taskStatusLabels, toolLabels } from "../../labels.ts";
import { errorSnippet, taskDuration } from "../tasks/task-table.tsx";
import { WorkerCard } from "./worker-card.tsx";

const RECENT = 20;
const held = new Set(["assigned", "running"]);

export function WorkerPage({ workerId, user }: { workerId: string; user: User }) {
  const worker = useWorker(workerId);
  if (worker.isPending) return <Loading what="the worker" />;
  if (worker.isError) {
    return (
      <Page title="Worker">
        <ErrorState error={worker.error} what="the worker" onRetry={() => worker.refetch()} />
        <p>
          <Link href="/workers">All workers</Link>
        </p>
      </Page>
    );
  }
  return (
    <Page title={worker.data.machine_name}>
      <p>
        <Link href="/workers">← All workers</Link>
      </p>
      <div className="grid two">
        <WorkerCard worker={worker.data} user={user} linked={false} />
        <WorkerTasks workerId={workerId} />
      </div>
    </Page>
  );
}

function WorkerTasks({ workerId }: { workerId: string }) {
  const tasks = useTasks({ worker_id: workerId, limit: RECENT });
  const now = useNow();
  if (tasks.isPending) return <Loading what="the worker's tasks" />;
  if (tasks.isError)
    return <ErrorState error={tasks.error} what="the worker's tasks" onRetry={() => tasks.refetch()} />;
  const current = tasks.data.items.filter((task) => held.has(task.status));
  const recent = tasks.data.items.filter((task) => !held.has(task.status));
  return (
    <div>
      <Section title="Running now">
        {current.length === 0 ? (
          <p className="muted">Nothing: every slot is free.</p>
        ) : (
          <TaskRows tasks={current} now={now} />
        )}
      </Section>
      <Section
        title="Recent tasks"
        actions={
          tasks.data.total > 0 ? (
            <Link href={`/tasks?worker_id=${workerId}`}>
              All {tasks.data.total} {tasks.data.total === 1 ? "task" : "tasks"}
            </Link>
          ) : null
        }
      >
        {recent.length === 0 ? (
          <p className="muted">This worker has not finished a task yet.</p>
        ) : (
          <TaskRows tasks={recent} now={now} />
        )}
      </Section>
    </div>
  );
}

function TaskRows({ tasks, now }: { tasks: readonly Task[]; now: number }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Description</th>
            <th scope="col">Status</th>
            <th scope="col">Tool</th>
            <th scope="col">Duration</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => {
            const duration = taskDuration(task, now);
            const snippet = errorSnippet(task.error);
            return (
              <tr key={task.task_id}>
                <td className="wrap" data-label="Description">
                  <Link href={`/tasks/${task.task_id}`}>{task.description}</Link>
                </td>
                <td className="wrap" data-label="Status">
                  <StatusBadge status={task.status} label={taskStatusLabels[task.status]} />
                  {snippet && task.status !== "completed" ? (
                    <small className="error-snippet" title={task.error ?? undefined}>
                      {snippet}
                    </small>
                  ) : null}
                </td>
                <td data-label="Tool">{toolLabels[task.tool]}</td>
                <td data-label="Duration">{duration === null ? "—" : formatSeconds(duration)}</td>
                <td data-label="Created">{formatAgo(task.created_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
