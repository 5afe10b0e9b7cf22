// A code task's review: its patch, the revisions of its chain, the reviewer's comments, and the two verdicts.
import type { AcceptChange, AcceptedChange, ReviewComment, ReviewCommentCreate, Task } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

/** The cumulative patch of a task's revision (`git diff --binary` text). */
export function usePatch(taskId: string, enabled: boolean) {
  return useQuery({
    // Not under ["task", id]: the live feed refreshes that on every update, and a revision's patch never changes.
    queryKey: ["task-patch", taskId],
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: ({ signal }) => api.get<string>(`/tasks/${taskId}/patch`, { signal, text: true }),
  });
}

export function useRevisions(taskId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["task", taskId, "revisions"],
    enabled,
    queryFn: () => api.get<{ items: Task[] }>(`/tasks/${taskId}/revisions`).then((page) => page.items),
  });
}

export function useComments(taskId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["task", taskId, "comments"],
    enabled,
    queryFn: () => api.get<{ items: ReviewComment[] }>(`/tasks/${taskId}/comments`).then((page) => page.items),
  });
}

/** A comment as sent: `side` is defaulted by the server. */
export type NewReviewComment = Partial<ReviewCommentCreate> & Pick<ReviewCommentCreate, "body">;

export function useAddComment(taskId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewReviewComment) => api.post<ReviewComment>(`/tasks/${taskId}/comments`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["task", taskId, "comments"] }),
  });
}

export function useDeleteComment(taskId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (commentId: string) => api.delete<void>(`/tasks/${taskId}/comments/${commentId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["task", taskId, "comments"] }),
  });
}

/** Sends the drafts (and a message) back: the answer is the follow-up task that makes the next revision. */
export function useRequestChanges(taskId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (message: string) =>
      api.post<Task>(`/tasks/${taskId}/request-changes`, message.trim() ? { message: message.trim() } : {}),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["task", taskId] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}

export function useAccept(taskId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<AcceptChange> = {}) => api.post<AcceptedChange>(`/tasks/${taskId}/accept`, body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["task", taskId] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}
