import type { TaskStatus } from "@garageswarm/protocol";
import { useState } from "react";
import { Link } from "wouter";
import { useTasks } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import { SelectField } from "../../components/form.tsx";
import { formatAgo } from "../../components/format.ts";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { taskStatuses, taskStatusLabels, toolLabels } from "../../labels.ts";
import { TaskCreateForm } from "./task-create-form.tsx";

const pageSize = 25;

export function TasksPage() {
  const [creating, setCreating] = useState(false);
  const [status, setStatus] = useState<TaskStatus | "">("");
  const [workerId, setWorkerId] = useState("");
  // Cursors of the pages before this one, so "Previous page" can go back.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const tasks = useTasks({ status: status || undefined, worker_id: workerId || undefined, cursor, limit: pageSize });
  const workers = useWorkers();
  const workerNames = new Map((workers.data ?? []).map((worker) => [worker.worker_id, worker.machine_name]));
  const resetPaging = () => setCursors([undefined]);

  return (
    <Page
      title="Tasks"
      actions={
        creating ? null : (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New task
          </button>
        )
      }
    >
      {creating ? <TaskCreateForm onCreated={resetPaging} onCancel={() => setCreating(false)} /> : null}
      <search className="filters" aria-label="Filter tasks">
        <SelectField
          label="Status"
          value={status}
          onChange={(event) => {
            setStatus(event.target.value as TaskStatus | "");
            resetPaging();
          }}
          options={[
            { value: "", label: "All statuses" },
            ...taskStatuses.map((s) => ({ value: s, label: taskStatusLabels[s] })),
          ]}
        />
        <SelectField
          label="Worker"
          value={workerId}
          onChange={(event) => {
            setWorkerId(event.target.value);
            resetPaging();
          }}
          options={[
            { value: "", label: "All workers" },
            ...(workers.data ?? []).map((worker) => ({ value: worker.worker_id, label: worker.machine_name })),
          ]}
        />
      </search>
      {tasks.isPending ? (
        <Loading what="tasks" />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} what="tasks" onRetry={() => tasks.refetch()} />
      ) : tasks.data.items.length === 0 ? (
        <EmptyState title={status || workerId ? "No tasks match these filters." : "No tasks yet."}>
          {status || workerId ? null : <p>Create one with "New task".</p>}
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Tasks, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Description</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tool</th>
                  <th scope="col">Worker</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {tasks.data.items.map((task) => (
                  <tr key={task.task_id}>
                    <td data-label="Description" className="wrap">
                      <Link href={`/tasks/${task.task_id}`}>{task.description}</Link>
                    </td>
                    <td data-label="Status" className="wrap">
                      <StatusBadge status={task.status} label={taskStatusLabels[task.status]} />
                      {task.waiting_reason ? (
                        <small className="muted waiting-reason"> {task.waiting_reason.message}</small>
                      ) : null}
                    </td>
                    <td data-label="Tool">
                      {toolLabels[task.tool]}
                      {task.model ? <span className="muted"> · {task.model}</span> : null}
                      {task.tools.length > 1 ? (
                        <span
                          className="muted"
                          title={`Tools in order of preference: ${task.tools.map((tool) => toolLabels[tool]).join(", ")}`}
                        >
                          {" "}
                          +{task.tools.length - 1}
                        </span>
                      ) : null}
                      {task.on_limit === "failover" ? <span className="chip">fails over</span> : null}
                    </td>
                    <td data-label="Worker">
                      {task.worker_id ? (workerNames.get(task.worker_id) ?? "another worker") : "—"}
                    </td>
                    <td data-label="Attempt">
                      {task.attempt}/{task.max_attempts}
                    </td>
                    <td data-label="Created">{formatAgo(task.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Task pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
              Previous page
            </button>
            <span className="muted">Page {cursors.length}</span>
            <button
              type="button"
              disabled={!tasks.data.next_cursor}
              onClick={() => setCursors([...cursors, tasks.data.next_cursor ?? undefined])}
            >
              Next page
            </button>
          </nav>
        </>
      )}
    </Page>
  );
}
