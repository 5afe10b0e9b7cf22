// Saved repositories: a repository's URL, ref and commands kept for reuse in the task form.
import type { SavedRepo, SavedRepoCreate, SavedRepoPatch } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

/** The create body as sent: `push` is defaulted by the server. */
export type NewSavedRepo = Partial<SavedRepoCreate> & Pick<SavedRepoCreate, "name" | "url">;

export function useSavedRepos() {
  return useQuery({
    queryKey: ["repos"],
    queryFn: () => api.get<{ items: SavedRepo[] }>("/repos").then((page) => page.items),
  });
}

export function useCreateSavedRepo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewSavedRepo) => api.post<SavedRepo>("/repos", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["repos"] }),
  });
}

export function useUpdateSavedRepo(repoId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SavedRepoPatch) => api.patch<SavedRepo>(`/repos/${repoId}`, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["repos"] }),
  });
}

export function useDeleteSavedRepo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (repoId: string) => api.delete<void>(`/repos/${repoId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["repos"] }),
  });
}
