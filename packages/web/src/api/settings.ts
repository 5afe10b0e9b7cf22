import type { AllocatorSettings, AllocatorSettingsView } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

const allocatorKey = ["settings", "allocator"];

export function useAllocatorSettings() {
  return useQuery({
    queryKey: allocatorKey,
    queryFn: () => api.get<AllocatorSettingsView>("/settings/allocator"),
  });
}

export function useSaveAllocatorSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AllocatorSettings) => api.put<AllocatorSettingsView>("/settings/allocator", body),
    onSuccess: (saved) => queryClient.setQueryData(allocatorKey, saved),
  });
}
