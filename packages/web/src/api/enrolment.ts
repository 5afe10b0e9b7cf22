import type { EnrolmentCodeCreated, ServerAddresses } from "@garageswarm/protocol";
import { useMutation, useQuery } from "@tanstack/react-query";
import { api } from "./client.ts";

/** A pairing code for a new machine, with its install lines (shown only in this answer). */
export function useCreateEnrolmentCode() {
  return useMutation({
    mutationFn: (body: { name?: string }) => api.post<EnrolmentCodeCreated>("/enrolment-codes", body),
  });
}

/** Where other machines can reach this server (the address in use may be loopback: useless elsewhere). */
export function useServerAddresses() {
  return useQuery({
    queryKey: ["server-addresses"],
    queryFn: () => api.get<ServerAddresses>("/server-addresses"),
    staleTime: 60_000,
  });
}
