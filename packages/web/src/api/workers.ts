import type { Worker, WorkerMember, WorkerOffer, WorkerRole, WorkerShareAnswer } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useWorkers() {
  return useQuery({
    queryKey: ["workers"],
    queryFn: () => api.get<{ items: Worker[] }>("/workers").then((page) => page.items),
  });
}

export function useWorker(workerId: string) {
  return useQuery({ queryKey: ["workers", workerId], queryFn: () => api.get<Worker>(`/workers/${workerId}`) });
}

export function useWorkerMembers(workerId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["workers", workerId, "members"],
    queryFn: () => api.get<{ items: WorkerMember[] }>(`/workers/${workerId}/share`).then((page) => page.items),
    enabled,
  });
}

/** Sends an offer: the recipient appears among the members only once they accept it. */
export function useShareWorker(workerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { username: string; role: WorkerRole }) =>
      api.post<WorkerShareAnswer>(`/workers/${workerId}/share`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers", workerId, "members"] }),
  });
}

export function useUnshareWorker(workerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => api.delete<void>(`/workers/${workerId}/share/${userId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers", workerId, "members"] }),
  });
}

/** Workers offered to me, waiting for my answer. */
export function useWorkerOffers() {
  return useQuery({
    queryKey: ["workers", "offers"],
    queryFn: () => api.get<{ items: WorkerOffer[] }>("/workers/offers").then((page) => page.items),
  });
}

/** Accept or decline an offer addressed to me. */
export function useAnswerOffer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ workerId, answer }: { workerId: string; answer: "accept" | "decline" }) =>
      api.post<Worker | undefined>(`/workers/${workerId}/share/${answer}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers"] }),
  });
}

/** Stop a worker someone shared with me from running my tasks. */
export function useLeaveWorker() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ workerId, userId }: { workerId: string; userId: string }) =>
      api.delete<void>(`/workers/${workerId}/share/${userId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workers"] }),
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
