import type { EnrolmentCodeCreated } from "@garageswarm/protocol";
import { useMutation } from "@tanstack/react-query";
import { api } from "./client.ts";

/** A pairing code for a new machine, with its install lines (shown only in this answer). */
export function useCreateEnrolmentCode() {
  return useMutation({
    mutationFn: (body: { name?: string }) => api.post<EnrolmentCodeCreated>("/enrolment-codes", body),
  });
}
