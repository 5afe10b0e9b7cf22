// User administration (admins only) and the public registration setting.
import type {
  AdminUserCreate,
  Invite,
  InviteCreate,
  InviteCreated,
  RegistrationInfo,
  User,
} from "@garageswarm/protocol";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client.ts";

export function useRegistrationMode() {
  return useQuery({
    queryKey: ["registration"],
    queryFn: () => api.get<RegistrationInfo>("/auth/registration", { auth: false }).then((info) => info.mode),
    staleTime: 60_000,
  });
}

export function useUsers() {
  return useQuery({
    queryKey: ["admin", "users"],
    queryFn: () => api.get<{ items: User[] }>("/admin/users").then((page) => page.items),
  });
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AdminUserCreate) => api.post<User>("/admin/users", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "users"] }),
  });
}

export function useSetUserActive() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, active }: { userId: string; active: boolean }) =>
      api.post<User>(`/admin/users/${userId}/${active ? "enable" : "disable"}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "users"] }),
  });
}

export function useInvites() {
  return useQuery({
    queryKey: ["admin", "invites"],
    queryFn: () => api.get<{ items: Invite[] }>("/admin/invites").then((page) => page.items),
  });
}

export function useCreateInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Partial<InviteCreate>) => api.post<InviteCreated>("/admin/invites", body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "invites"] }),
  });
}

export function useRevokeInvite() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (inviteId: string) => api.delete<void>(`/admin/invites/${inviteId}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["admin", "invites"] }),
  });
}

/** The sign-up link an invite's token opens: the register page of this dashboard. */
export function inviteLink(origin: string, token: string): string {
  return `${origin}/register?invite=${encodeURIComponent(token)}`;
}
