import type { ApiKey, ApiKeyCreated, ApiKeyScope } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useApiKeys() {
  return useQuery({
    queryKey: ["keys"],
    queryFn: () => api.get<{ items: ApiKey[] }>("/keys").then((page) => page.items),
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; scope: ApiKeyScope }) => api.post<ApiKeyCreated>("/keys", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["keys"] }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (keyId: string) => api.delete<void>(`/keys/${keyId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["keys"] }),
  });
}
