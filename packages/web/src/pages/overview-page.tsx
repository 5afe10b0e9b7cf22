// The fleet and the queue at a glance; everything here refreshes from live events.
import type { TaskStatus } from "@garageswarm/protocol";
import { Link } from "wouter";
import { useTasks } from "../api/tasks.ts";
import { useWorkers, workerState } from "../api/workers.ts";
import { formatAgo } from "../components/format.ts";
import { Page, Section } from "../components/page.tsx";
import { ErrorState, Loading } from "../components/states.tsx";
import { taskStatuses, taskStatusLabels } from "../labels.ts";
import { CantRunPanel } from "./overview/cant-run.tsx";
import { GettingStarted } from "./overview/checklist.tsx";
import { LatencySummary, ThroughputChart } from "./overview-charts.tsx";
import { taskListHref } from "./tasks/task-list-query.ts";
import { RunningWorkflows } from "./workflows/running-workflows.tsx";

const sampleSize = 200;

export function OverviewPage() {
  return (
    <Page title="Overview">
      <CantRunPanel />
      <GettingStarted />
      <div className="grid two">
        <WorkersSummary />
        <TasksSummary />
      </div>
      <Charts />
      <div className="grid two">
        <RecentFailures />
        <RunningWorkflows />
      </div>
    </Page>
  );
}

function Stat({ label, value, href }: { label: string; value: number; href?: string }) {
  const body = (
    <>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
    </>
  );
  return (
    <li className="stat">
      {href ? (
        <Link href={href} className="stat-link">
          {body}
        </Link>
      ) : (
        body
      )}
    </li>
  );
}

function WorkersSummary() {
  const workers = useWorkers();
  return (
    <Section title="Workers">
      {workers.isPending ? (
        <Loading what="workers" />
      ) : workers.isError ? (
        <ErrorState error={workers.error} what="workers" />
      ) : workers.data.length === 0 ? (
        <p>
          No workers yet. <Link href="/workers">Add a worker</Link> to start running tasks.
        </p>
      ) : (
        <ul className="stats" aria-label="Workers by state">
          {(["online", "busy", "offline"] as const).map((state) => (
            <Stat
              key={state}
              label={state}
              value={workers.data.filter((w) => workerState(w) === state).length}
              href="/workers"
            />
          ))}
        </ul>
      )}
    </Section>
  );
}

function TasksSummary() {
  const tasks = useTasks({ limit: sampleSize });
  const counts = new Map<TaskStatus, number>();
  for (const task of tasks.data?.items ?? []) counts.set(task.status, (counts.get(task.status) ?? 0) + 1);
  const sampled = (tasks.data?.items.length ?? 0) >= sampleSize;
  return (
    <Section title="Tasks">
      {tasks.isPending ? (
        <Loading what="tasks" />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} what="tasks" />
      ) : tasks.data.items.length === 0 ? (
        <p>
          No tasks yet. <Link href="/tasks">Create a task</Link>.
        </p>
      ) : (
        <>
          <ul className="stats" aria-label="Tasks by status">
            {taskStatuses
              .filter((status) => counts.has(status))
              .map((status) => (
                <Stat
                  key={status}
                  label={taskStatusLabels[status]}
                  value={counts.get(status) ?? 0}
                  href={taskListHref(status)}
                />
              ))}
          </ul>
          {sampled ? <p className="muted">Counted over the latest {sampleSize} tasks.</p> : null}
        </>
      )}
    </Section>
  );
}

function Charts() {
  // The same query as the status counts: one request feeds both.
  const tasks = useTasks({ limit: sampleSize });
  if (!tasks.data || tasks.data.items.length === 0) return null;
  return (
    <div className="grid two">
      <ThroughputChart tasks={tasks.data.items} sampled={tasks.data.items.length >= sampleSize} />
      <LatencySummary tasks={tasks.data.items} />
    </div>
  );
}

function RecentFailures() {
  const failed = useTasks({ status: "failed", limit: 5 });
  return (
    <Section title="Recent failures">
      {failed.isPending ? (
        <Loading what="failures" />
      ) : failed.isError ? (
        <ErrorState error={failed.error} what="failures" />
      ) : failed.data.items.length === 0 ? (
        <p className="muted">No failed tasks.</p>
      ) : (
        <ul className="plain-list">
          {failed.data.items.map((task) => (
            <li key={task.task_id}>
              <Link href={`/tasks/${task.task_id}`}>{task.description}</Link>{" "}
              <span className="muted">{formatAgo(task.completed_at ?? task.updated_at)}</span>
              {task.error ? <div className="muted clamp">{task.error}</div> : null}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
