// Workflows and their runs. Paths live here only, so the pages stay the same if a route moves.
import type {
  Schedule,
  Workflow,
  WorkflowCreate,
  WorkflowDefinition,
  WorkflowRun,
  WorkflowStatus,
  WorkflowType,
  WorkflowUpdate,
} from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { api } from "./client.ts";
import { liveStatus, onLiveMessage } from "./realtime.ts";

const runPath = (workflowId: string, runId: string) => `/workflows/${workflowId}/runs/${runId}`;

export function useWorkflows() {
  return useQuery({
    queryKey: ["workflows"],
    queryFn: () => api.get<{ items: Workflow[] }>("/workflows?limit=200").then((page) => page.items),
  });
}

export function useWorkflow(workflowId: string | null) {
  return useQuery({
    queryKey: ["workflows", workflowId],
    queryFn: () => api.get<Workflow>(`/workflows/${workflowId}`),
    enabled: workflowId !== null,
  });
}

/** What the editor sends: the create body's fields, server defaults for the rest. */
export interface WorkflowDraft {
  name: string;
  description: string;
  workflow_type: WorkflowType;
  definition: WorkflowDefinition;
  /** The run timeout; null: none. */
  timeout_seconds: number | null;
  input?: Record<string, unknown>;
  schedule?: Schedule | null;
  /** Updates only: a new workflow starts active. */
  status?: WorkflowStatus;
}

export function useSaveWorkflow(workflowId: string | null) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ status, ...draft }: WorkflowDraft) =>
      workflowId
        ? api.patch<Workflow>(`/workflows/${workflowId}`, { ...draft, status } satisfies WorkflowUpdate)
        : api.post<Workflow>("/workflows", draft satisfies Partial<WorkflowCreate>),
    onSuccess: (saved) => {
      queryClient.setQueryData(["workflows", saved.workflow_id], saved);
      void queryClient.invalidateQueries({ queryKey: ["workflows"], exact: true });
    },
  });
}

export function useDeleteWorkflow() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (workflowId: string) => api.delete<void>(`/workflows/${workflowId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workflows"] }),
  });
}

export function useStartRun(workflowId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: Record<string, unknown>) => api.post<WorkflowRun>(`/workflows/${workflowId}/runs`, { input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["runs", workflowId] }),
  });
}

export function useRuns(workflowId: string | null, status?: string) {
  return useQuery({
    queryKey: ["runs", workflowId, status ?? "all"],
    queryFn: () =>
      api
        .get<{ items: WorkflowRun[] }>(`/workflows/${workflowId}/runs${status ? `?status=${status}` : ""}`)
        .then((page) => page.items),
    enabled: workflowId !== null,
  });
}

const runFinished = new Set<string>(["completed", "failed", "cancelled"]);

/** How long a run waits after a change to one of its tasks before it is read again, gathering a burst into one read. */
const TASK_CHANGE_DELAY_MS = 300;

export function useRun(workflowId: string, runId: string) {
  const queryClient = useQueryClient();
  // A worker taking, starting or finishing a node's task changes where that task is, but not the run's row:
  // no run or node event comes, so the run is read again after its tasks' own events — not after progress
  // reports (the task's status and worker as shown), and once for a burst.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onLiveMessage((message) => {
      if (message.type !== "task.updated" || message.data.run_id !== runId || timer) return;
      const { task_id, status, worker_id } = message.data;
      const shown = queryClient
        .getQueryData<WorkflowRun>(["run", runId])
        ?.nodes.find((node) => node.task_id === task_id);
      if (shown && shown.task_status === status && shown.worker_id === worker_id) return;
      timer = setTimeout(() => {
        timer = undefined;
        void queryClient.invalidateQueries({ queryKey: ["run", runId] });
      }, TASK_CHANGE_DELAY_MS);
    });
    return () => {
      stop();
      clearTimeout(timer);
    };
  }, [queryClient, runId]);
  return useQuery({
    queryKey: ["run", runId],
    queryFn: () => api.get<WorkflowRun>(runPath(workflowId, runId)),
    // Live events keep a run fresh; without the socket, poll until it ends.
    refetchInterval: (query) =>
      liveStatus.get() !== "live" && !runFinished.has(query.state.data?.status ?? "") ? 3000 : false,
  });
}

export function useRunControl(workflowId: string, runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (action: "pause" | "resume" | "cancel") =>
      api.post<WorkflowRun>(`${runPath(workflowId, runId)}/${action}`),
    onSuccess: (run) => queryClient.setQueryData(["run", runId], run),
  });
}

export function useApproval(workflowId: string, runId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ nodeId, approved, comment }: { nodeId: string; approved: boolean; comment?: string }) =>
      api.post<WorkflowRun>(`${runPath(workflowId, runId)}/nodes/${encodeURIComponent(nodeId)}/approval`, {
        approved,
        ...(comment ? { comment } : {}),
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["run", runId] }),
  });
}
