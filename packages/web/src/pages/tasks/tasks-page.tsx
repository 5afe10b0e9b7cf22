// The task list: search, filters, sort and page live in the URL (task-list-query.ts), so a link or Back
// opens the same list; rows can be selected to retry the failed ones or cancel the queued ones at once.
import type { Task } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { useSearchParams } from "wouter";
import { useCancelTasks, useRetryTasks, useTasks } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import { Field, SelectField } from "../../components/form.tsx";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { useNow } from "../../components/use-now.ts";
import { taskStatuses, taskStatusLabels, toolIds, toolLabels } from "../../labels.ts";
import { TaskCreateForm } from "./task-create-form.tsx";
import {
  isFiltered,
  PAGE_SIZE,
  readTaskListView,
  type TaskListView,
  toTaskFilters,
  writeTaskListView,
} from "./task-list-query.ts";
import { TaskTable } from "./task-table.tsx";

const retryable = new Set(["failed", "timed_out"]);
const cancellable = new Set(["queued", "pending"]);

export function TasksPage() {
  const [creating, setCreating] = useState(false);
  const [params, setParams] = useSearchParams();
  const view = readTaskListView(params);
  // Typing searches after a pause, replacing the history entry rather than adding one per key.
  const [search, setSearch] = useState(view.q);
  const [searched, setSearched] = useState(view.q);
  if (view.q !== searched) {
    // The URL changed under the box (Back, a link): the box follows it.
    setSearched(view.q);
    setSearch(view.q);
  }
  const update = (change: Partial<TaskListView>, replace = false) =>
    setParams(writeTaskListView({ ...view, page: 1, ...change }), { replace });
  useEffect(() => {
    if (search.trim() === view.q) return;
    const timer = setTimeout(() => update({ q: search.trim() }, true), 300);
    return () => clearTimeout(timer);
  });
  const tasks = useTasks(toTaskFilters(view));
  const workers = useWorkers();
  const workerNames = new Map((workers.data ?? []).map((worker) => [worker.worker_id, worker.machine_name]));
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const now = useNow();
  const total = tasks.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

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
      {creating ? <TaskCreateForm onCreated={() => update({})} onCancel={() => setCreating(false)} /> : null}
      <search className="filters" aria-label="Filter tasks">
        <Field
          label="Search"
          type="search"
          placeholder="Description or prompt"
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
        <SelectField
          label="Status"
          value={view.status}
          onChange={(event) => update({ status: event.target.value as TaskListView["status"] })}
          options={[
            { value: "", label: "All statuses" },
            ...taskStatuses.map((s) => ({ value: s, label: taskStatusLabels[s] })),
          ]}
        />
        <SelectField
          label="Ran with"
          value={view.tool}
          onChange={(event) => update({ tool: event.target.value as TaskListView["tool"] })}
          options={[{ value: "", label: "All tools" }, ...toolIds.map((t) => ({ value: t, label: toolLabels[t] }))]}
        />
        <SelectField
          label="Worker"
          value={view.worker_id}
          onChange={(event) => update({ worker_id: event.target.value })}
          options={[
            { value: "", label: "All workers" },
            ...(workers.data ?? []).map((worker) => ({ value: worker.worker_id, label: worker.machine_name })),
          ]}
        />
        {isFiltered(view) ? (
          <button
            type="button"
            className="clear-filters"
            onClick={() => {
              setSearch("");
              update({ q: "", status: "", tool: "", worker_id: "" });
            }}
          >
            Clear filters
          </button>
        ) : null}
      </search>
      {tasks.isPending ? (
        <Loading what="tasks" />
      ) : tasks.isError ? (
        <ErrorState error={tasks.error} what="tasks" onRetry={() => tasks.refetch()} />
      ) : tasks.data.items.length === 0 && view.page === 1 ? (
        <EmptyState title={isFiltered(view) ? "No tasks match these filters." : "No tasks yet."}>
          {isFiltered(view) ? null : <p>Create one with "New task".</p>}
        </EmptyState>
      ) : (
        <>
          <p className="list-total" aria-live="polite">
            {total === 1 ? "1 task" : `${total.toLocaleString()} tasks`}
            {isFiltered(view) ? (total === 1 ? " matches" : " match") : ""}
          </p>
          <BulkActions
            tasks={tasks.data.items.filter((task) => selected.has(task.task_id))}
            onDone={() => setSelected(new Set())}
          />
          <TaskTable
            tasks={tasks.data.items}
            workerNames={workerNames}
            selected={selected}
            onSelect={(ids, on) => {
              const next = new Set(selected);
              for (const id of ids) on ? next.add(id) : next.delete(id);
              setSelected(next);
            }}
            sort={view.sort}
            order={view.order}
            onSort={(sort) => update(sort)}
            now={now}
          />
          <nav className="pager" aria-label="Task pages">
            <button type="button" disabled={view.page <= 1} onClick={() => update({ page: view.page - 1 })}>
              Previous page
            </button>
            <span className="muted">
              Page {view.page} of {pages}
            </span>
            <button type="button" disabled={!tasks.data.next_cursor} onClick={() => update({ page: view.page + 1 })}>
              Next page
            </button>
          </nav>
        </>
      )}
    </Page>
  );
}

/** Acts on the selected rows it applies to: failed ones are retried (one request), queued ones cancelled. */
function BulkActions({ tasks, onDone }: { tasks: readonly Task[]; onDone: () => void }) {
  const retry = useRetryTasks();
  const cancel = useCancelTasks();
  const [message, setMessage] = useState("");
  const failed = tasks.filter((task) => retryable.has(task.status));
  const queued = tasks.filter((task) => cancellable.has(task.status));
  const busy = retry.isPending || cancel.isPending;
  return (
    <div className="bulk-actions" role="toolbar" aria-label="Selected tasks">
      <span className="muted">
        {tasks.length === 0 ? "Select tasks to act on several at once." : `${tasks.length} selected`}
      </span>
      {tasks.length > 0 ? (
        <>
          <button
            type="button"
            disabled={busy || failed.length === 0}
            onClick={() =>
              retry.mutate(failed, {
                onSuccess: (created) => {
                  setMessage(`Retried ${created.length} failed ${created.length === 1 ? "task" : "tasks"}.`);
                  onDone();
                },
                onError: (error) => setMessage(`Retry failed: ${error.message}`),
              })
            }
          >
            Retry failed ({failed.length})
          </button>
          <button
            type="button"
            disabled={busy || queued.length === 0}
            onClick={() =>
              cancel.mutate(queued, {
                onSuccess: (count) => {
                  setMessage(`Cancelled ${count} queued ${count === 1 ? "task" : "tasks"}.`);
                  onDone();
                },
              })
            }
          >
            Cancel queued ({queued.length})
          </button>
        </>
      ) : null}
      <span role="status" className="bulk-message">
        {message}
      </span>
    </div>
  );
}
