// The task list's table: sortable headers (aria-sort), a checkbox per row for bulk actions, and the columns
// that answer "how long" and "why did it fail" without opening the task.
import type { Task, TaskSort } from "@garageswarm/protocol";
import { Link } from "wouter";
import { formatAgo, formatSeconds } from "../../components/format.ts";
import { StatusBadge } from "../../components/status-badge.tsx";
import { WaitingReasonText } from "../../components/waiting-reason.tsx";
import { taskStatusLabels, toolLabels } from "../../labels.ts";
import "./task-list.css";

interface SortState {
  sort: TaskSort;
  order: "asc" | "desc";
}

interface TaskTableProps extends SortState {
  tasks: readonly Task[];
  workerNames: ReadonlyMap<string, string>;
  selected: ReadonlySet<string>;
  onSelect: (taskIds: readonly string[], selected: boolean) => void;
  onSort: (next: SortState) => void;
  now: number;
}

/** Seconds from start to finish, or to now while it runs; null before it starts. */
export function taskDuration(task: Pick<Task, "started_at" | "completed_at">, now: number): number | null {
  if (!task.started_at) return null;
  const end = task.completed_at ? Date.parse(task.completed_at) : now;
  return Math.max(0, Math.round((end - Date.parse(task.started_at)) / 1000));
}

/** The error's first line, short enough for a table cell; the whole text is in the title. */
export function errorSnippet(error: string | null, max = 80): string {
  const line = (error ?? "").trim().split("\n")[0] ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function TaskTable({ tasks, workerNames, selected, onSelect, onSort, sort, order, now }: TaskTableProps) {
  const pageIds = tasks.map((task) => task.task_id);
  const allSelected = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const header = (label: string, column: TaskSort, firstOrder: "asc" | "desc" = "desc") => {
    const active = sort === column;
    return (
      <th scope="col" aria-sort={active ? (order === "asc" ? "ascending" : "descending") : undefined}>
        <button
          type="button"
          className="sort-button"
          onClick={() => onSort({ sort: column, order: active ? (order === "asc" ? "desc" : "asc") : firstOrder })}
        >
          {label}
          <span aria-hidden="true" className="sort-mark">
            {active ? (order === "asc" ? " ▲" : " ▼") : ""}
          </span>
        </button>
      </th>
    );
  };
  return (
    <div className="table-wrap">
      <table className="task-table">
        <caption className="visually-hidden">Tasks</caption>
        <thead>
          <tr>
            <th scope="col" className="select-cell">
              <input
                type="checkbox"
                aria-label="Select every task on this page"
                checked={allSelected}
                onChange={(event) => onSelect(pageIds, event.target.checked)}
              />
            </th>
            {header("Description", "description", "asc")}
            {header("Status", "status", "asc")}
            {header("Tool", "tool", "asc")}
            <th scope="col">Worker</th>
            <th scope="col">Attempt</th>
            {header("Duration", "duration")}
            {header("Created", "created_at")}
          </tr>
        </thead>
        <tbody>
          {tasks.map((task) => {
            const duration = taskDuration(task, now);
            const snippet = errorSnippet(task.error);
            return (
              <tr key={task.task_id} className={selected.has(task.task_id) ? "selected" : undefined}>
                <td className="select-cell" data-label="Select">
                  <input
                    type="checkbox"
                    aria-label={`Select ${task.description}`}
                    checked={selected.has(task.task_id)}
                    onChange={(event) => onSelect([task.task_id], event.target.checked)}
                  />
                </td>
                <td className="wrap" data-label="Description">
                  <Link href={`/tasks/${task.task_id}`}>{task.description}</Link>
                </td>
                <td className="wrap" data-label="Status">
                  <StatusBadge status={task.status} label={taskStatusLabels[task.status]} />
                  {task.waiting_reason ? (
                    <small className="muted waiting-reason">
                      {" "}
                      <WaitingReasonText reason={task.waiting_reason} />
                    </small>
                  ) : null}
                  {snippet && task.status !== "completed" ? (
                    <small className="error-snippet" title={task.error ?? undefined}>
                      {snippet}
                    </small>
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
                  {task.worker_id ? (
                    <Link href={`/workers/${task.worker_id}`}>
                      {workerNames.get(task.worker_id) ?? "another worker"}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td data-label="Attempt">
                  {task.attempt}/{task.max_attempts}
                </td>
                <td data-label="Duration">{duration === null ? "—" : formatSeconds(duration)}</td>
                <td data-label="Created">
                  <time dateTime={task.created_at} title={new Date(task.created_at).toLocaleString()}>
                    {formatAgo(task.created_at)}
                  </time>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
