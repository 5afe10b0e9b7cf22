// The task list's filters, sort and page as they stand in the URL (`/tasks?status=failed&sort=duration&page=2`),
// so a link opens the same list and Back returns to it. Unknown values are dropped, not sent to the server.
import type { TaskSort, TaskStatus, ToolId } from "@garageswarm/protocol";
import type { TaskFilters } from "../../api/tasks.ts";
import { taskStatuses, toolIds } from "../../labels.ts";

export const PAGE_SIZE = 25;

const sorts: readonly TaskSort[] = [
  "created_at",
  "updated_at",
  "description",
  "status",
  "tool",
  "duration",
  "priority",
];

export interface TaskListView {
  q: string;
  status: TaskStatus | "";
  tool: ToolId | "";
  worker_id: string;
  sort: TaskSort;
  order: "asc" | "desc";
  page: number;
}

const defaults: TaskListView = {
  q: "",
  status: "",
  tool: "",
  worker_id: "",
  sort: "created_at",
  order: "desc",
  page: 1,
};

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

export function readTaskListView(params: URLSearchParams): TaskListView {
  const page = Number.parseInt(params.get("page") ?? "", 10);
  return {
    q: params.get("q")?.slice(0, 200) ?? "",
    status: oneOf(params.get("status"), taskStatuses) ?? "",
    tool: oneOf(params.get("tool"), toolIds) ?? "",
    worker_id: /^[0-9a-f-]{36}$/i.test(params.get("worker_id") ?? "") ? (params.get("worker_id") ?? "") : "",
    sort: oneOf(params.get("sort"), sorts) ?? defaults.sort,
    order: oneOf(params.get("order"), ["asc", "desc"] as const) ?? defaults.order,
    page: Number.isFinite(page) && page >= 1 ? page : 1,
  };
}

/** Only what differs from the defaults goes into the URL, so the plain list stays `/tasks`. */
export function writeTaskListView(view: TaskListView): Record<string, string> {
  const params: Record<string, string> = {};
  for (const key of Object.keys(defaults) as (keyof TaskListView)[]) {
    const value = view[key];
    if (value !== defaults[key] && value !== "") params[key] = String(value);
  }
  return params;
}

export function toTaskFilters(view: TaskListView): TaskFilters {
  return {
    q: view.q.trim() || undefined,
    status: view.status || undefined,
    tool: view.tool || undefined,
    worker_id: view.worker_id || undefined,
    sort: view.sort,
    order: view.order,
    offset: (view.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
  };
}

export function isFiltered(view: TaskListView): boolean {
  return Boolean(view.q || view.status || view.tool || view.worker_id);
}

/** A link to the list filtered by status: the Overview's stat links. */
export function taskListHref(status: TaskStatus): string {
  return `/tasks?${new URLSearchParams(writeTaskListView({ ...defaults, status }))}`;
}
