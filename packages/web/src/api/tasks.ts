import type { Task, TaskCreate, TaskSort, TaskStatus, ToolId } from "@garageswarm/protocol";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export interface TaskPage {
  items: Task[];
  next_cursor: string | null;
  /** How many tasks match the filters in all. */
  total: number;
}

export interface TaskFilters {
  status?: TaskStatus | undefined;
  worker_id?: string | undefined;
  workflow_id?: string | undefined;
  q?: string | undefined;
  tool?: ToolId | undefined;
  sort?: TaskSort | undefined;
  order?: "asc" | "desc" | undefined;
  offset?: number | undefined;
  cursor?: string | undefined;
  limit?: number;
}

export function taskListPath(filters: TaskFilters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined && value !== "") query.set(key, String(value));
  const text = query.toString();
  return text ? `/tasks?${text}` : "/tasks";
}

export function useTasks(filters: TaskFilters) {
  return useQuery({
    queryKey: ["tasks", filters],
    queryFn: () => api.get<TaskPage>(taskListPath(filters)),
    placeholderData: keepPreviousData,
  });
}

export function useTask(taskId: string) {
  return useQuery({ queryKey: ["task", taskId], queryFn: () => api.get<Task>(`/tasks/${taskId}`) });
}

/** The create body as sent: defaults are filled in by the server from the protocol schema. */
export type NewTask = Partial<TaskCreate> & Pick<TaskCreate, "description" | "tool">;

export function useCreateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewTask) => api.post<Task>("/tasks", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tasks"] }),
  });
}

export function useTaskAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({
      task,
      action,
    }: {
      task: Task;
      action: "cancel" | "delete" | "retry";
    }): Promise<Task | null> => {
      if (action === "cancel") return api.post<Task>(`/tasks/${task.task_id}/cancel`);
      if (action === "delete") {
        await api.delete<void>(`/tasks/${task.task_id}`);
        return null;
      }
      // Retry: a fresh task with the same inputs, so the finished one keeps its history.
      return api.post<Task>("/tasks", retryBody(task));
    },
    onSuccess: (_result, { task }) => {
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
      void queryClient.invalidateQueries({ queryKey: ["task", task.task_id] });
    },
  });
}

/** Retries finished tasks in one all-or-none request: each a fresh task with the same inputs. */
export function useRetryTasks() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (tasks: readonly Task[]) => api.post<Task[]>("/tasks", tasks.map(retryBody)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tasks"] }),
  });
}

/** Cancels each task; answers how many the server cancelled (one may have finished meanwhile). */
export function useCancelTasks() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (tasks: readonly Task[]) => {
      const answers = await Promise.allSettled(tasks.map((task) => api.post<Task>(`/tasks/${task.task_id}/cancel`)));
      return answers.filter((answer) => answer.status === "fulfilled").length;
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tasks"] }),
  });
}

function retryBody(task: Task): NewTask {
  return {
    retry_of: task.task_id,
    description: task.description,
    prompt: task.prompt,
    tool: task.tools.length > 1 ? task.tools : task.tool,
    on_limit: task.on_limit,
    ...(task.model ? { model: task.model } : {}),
    priority: task.priority,
    requirements: task.requirements,
    options: task.options,
    timeout_seconds: task.timeout_seconds,
    max_attempts: task.max_attempts,
    ...(task.pinned_worker_id ? { worker_id: task.pinned_worker_id } : {}),
    // A code task starts over from the repository (revision 1), not from where its review stood.
    ...(task.repo ? { repo: task.repo } : {}),
  };
}

export const terminalStatuses: readonly TaskStatus[] = ["completed", "failed", "cancelled", "timed_out"];
