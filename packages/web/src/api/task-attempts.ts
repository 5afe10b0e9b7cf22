// A task's attempts (worker, times, outcome, who cancelled). Keyed under ["task", id], so each live
// `task.updated` that refreshes the task refreshes its attempts too.
import type { TaskAttempt } from "@garageswarm/protocol";
import { useQuery } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useTaskAttempts(taskId: string) {
  return useQuery({
    queryKey: ["task", taskId, "attempts"],
    queryFn: () => api.get<TaskAttempt[]>(`/tasks/${taskId}/attempts`),
  });
}
