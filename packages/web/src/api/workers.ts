import type { Worker, WorkerMember, WorkerRole } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useWorkers() {
  return useQuery({
    queryKey: ["workers"],
    queryFn: () => api.get<{ items: Worker[] }>("/workers").then((page) => page.items),
  });
}

export function useWorkerMembers(workerId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["workers", workerId, "members"],
    queryFn: () => api.get<{ items: WorkerMember[] }>(`/workers/${workerId}/share`).then((page) => page.items),
    enabled,
  });
}

export function useShareWorker(workerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; role: WorkerRole }) =>
      api.post<{ items: WorkerMember[] }>(`/workers/${workerId}/share`, body),
    onSuccess: (members) => queryClient.setQueryData(["workers", workerId, "members"], members.items),
  });
}

export function useUnshareWorker(workerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.delete<void>(`/workers/${workerId}/share/${userId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers", workerId, "members"] }),
  });
}

export function useDrainWorker() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ workerId, draining }: { workerId: string; draining: boolean }) =>
      api.post<Worker>(`/workers/${workerId}/drain`, { draining }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers"] }),
  });
}

export function useRemoveWorker() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (workerId: string) => api.delete<void>(`/workers/${workerId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers"] }),
  });
}

/** Busy: online with something running; the overview counts workers this way. */
export function workerState(worker: Worker): "busy" | "online" | "offline" {
  if (worker.status === "offline") return "offline";
  return worker.running_tasks > 0 ? "busy" : "online";
}
