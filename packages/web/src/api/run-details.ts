// A run read closely: its nodes' task attempts, re-running it, and the approvals inbox. Query keys sit under
// ["run", id] and ["runs"], so the live run and node events that refresh a run refresh these too.
import type { NodeAttempt, PendingApproval, WorkflowRun } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useRunAttempts(runId: string) {
  return useQuery({
    queryKey: ["run", runId, "attempts"],
    queryFn: () => api.get<{ items: NodeAttempt[] }>(`/runs/${runId}/attempts`).then((page) => page.items),
  });
}

export function useRerun(workflowId: string, runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<WorkflowRun>(`/runs/${runId}/rerun`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["runs", workflowId] }),
  });
}

export function useApprovals() {
  return useQuery({
    queryKey: ["runs", "approvals"],
    queryFn: () => api.get<{ items: PendingApproval[] }>("/approvals").then((page) => page.items),
  });
}

export function useDecideApproval() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({
      runId,
      nodeId,
      approved,
      comment,
    }: {
      runId: string;
      nodeId: string;
      approved: boolean;
      comment?: string;
    }) =>
      api.post<WorkflowRun>(`/runs/${runId}/nodes/${encodeURIComponent(nodeId)}/${approved ? "approve" : "reject"}`, {
        ...(comment ? { comment } : {}),
      }),
    onSuccess: (run) => {
      queryClient.setQueryData(["run", run.run_id], run);
      void queryClient.invalidateQueries({ queryKey: ["runs"] });
    },
  });
}
