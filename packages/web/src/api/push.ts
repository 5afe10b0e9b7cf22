import type { PushDevice } from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { currentEndpoint, disablePush, enablePush } from "../pwa/device-push.ts";
import { api } from "./client.ts";

export function usePushDevices() {
  return useQuery({
    queryKey: ["push-devices"],
    queryFn: () => api.get<{ items: PushDevice[] }>("/push/subscriptions").then((page) => page.items),
  });
}

/** The endpoint of this browser's own subscription, if it has one. */
export function useThisDeviceEndpoint() {
  return useQuery({ queryKey: ["push-devices", "this-device"], queryFn: currentEndpoint });
}

export function useRemovePushDevice() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (subscriptionId: string) => api.delete<void>(`/push/subscriptions/${subscriptionId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["push-devices"] }),
  });
}

/** Turns this device's notifications on or off. */
export function useThisDevicePush() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ on, devices }: { on: boolean; devices: readonly PushDevice[] }) => {
      if (on) await enablePush();
      else await disablePush(devices);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ["push-devices"] }),
  });
}
