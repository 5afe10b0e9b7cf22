// Administrators only: who has an account, disabling and re-enabling them, creating accounts directly,
// and the invite links that let someone sign up when registration is by invite.
import type { InviteCreated, User } from "@garageswarm/protocol";
import { useState } from "react";
import {
  inviteLink,
  useCreateInvite,
  useCreateUser,
  useInvites,
  useRegistrationMode,
  useRevokeInvite,
  useSetUserActive,
  useUsers,
} from "../../api/admin.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { Field, FormError, fieldErrorsOf, formValues, SelectField } from "../../components/form.tsx";
import { formatAgo, formatDate } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { CopyableValue } from "../../components/secret.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";

const registrationText = {
  open: "Registration is open: anyone who can reach this server can create an account.",
  invite: "Registration is by invite: people sign up with an invite link created below.",
  closed: "Registration is closed: only administrators create accounts, here.",
} as const;

export function UsersPage({ user }: { user: User }) {
  const mode = useRegistrationMode();
  return (
    <Page title="Users">
      {mode.data ? <p className="muted">{registrationText[mode.data]}</p> : null}
      <UsersSection me={user} />
      <div className="grid two">
        <CreateUserSection />
        <InvitesSection />
      </div>
    </Page>
  );
}

function UsersSection({ me }: { me: User }) {
  const users = useUsers();
  const setActive = useSetUserActive();
  return (
    <Section title="Accounts">
      {users.isPending ? (
        <Loading what="users" />
      ) : users.isError ? (
        <ErrorState error={users.error} what="users" onRetry={() => users.refetch()} />
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Every account on this server</caption>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Last sign-in</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((account) => (
                <tr key={account.user_id}>
                  <td data-label="Username">{account.username}</td>
                  <td data-label="Email">{account.email}</td>
                  <td data-label="Role">{account.is_admin ? "Administrator" : "User"}</td>
                  <td data-label="Status">
                    <StatusBadge
                      status={account.is_active ? "active" : "failed"}
                      label={account.is_active ? "Active" : "Disabled"}
                    />
                  </td>
                  <td data-label="Created">{formatDate(account.created_at)}</td>
                  <td data-label="Last sign-in">{formatAgo(account.last_login_at)}</td>
                  <td>
                    {account.user_id === me.user_id ? null : account.is_active ? (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Disable ${account.username}`}
                        disabled={setActive.isPending}
                        onClick={async () => {
                          const yes = await confirmAction({
                            title: `Disable ${account.username}?`,
                            message:
                              "They are signed out at once, their API keys stop working and their workers go offline.",
                            confirm: "Disable user",
                            danger: true,
                          });
                          if (yes) setActive.mutate({ userId: account.user_id, active: false });
                        }}
                      >
                        Disable
                      </button>
                    ) : (
                      <button
                        type="button"
                        aria-label={`Enable ${account.username}`}
                        disabled={setActive.isPending}
                        onClick={() => setActive.mutate({ userId: account.user_id, active: true })}
                      >
                        Enable
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormError error={setActive.error} />
    </Section>
  );
}

function CreateUserSection() {
  const create = useCreateUser();
  const fields = fieldErrorsOf(create.error);
  return (
    <Section title="Create an account">
      <form
        aria-label="Create an account"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const values = formValues(form);
          create.mutate(
            {
              username: values.username ?? "",
              email: values.email ?? "",
              password: values.password ?? "",
              is_admin: values.role === "admin",
            },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field label="Username" name="username" required autoComplete="off" error={fields.username} />
        <Field label="Email" name="email" type="email" required autoComplete="off" error={fields.email} />
        <Field
          label="Initial password"
          name="password"
          type="password"
          required
          minLength={8}
          autoComplete="new-password"
          hint="Tell them, and ask them to change it in Settings."
          error={fields.password}
        />
        <SelectField
          label="Role"
          name="role"
          options={[
            { value: "user", label: "User" },
            { value: "admin", label: "Administrator" },
          ]}
        />
        <FormError error={create.error} fields={["username", "email", "password"]} />
        {create.isSuccess ? (
          <p role="status" className="success">
            Account "{create.data.username}" created.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={create.isPending}>
          Create account
        </button>
      </form>
    </Section>
  );
}

function InvitesSection() {
  const invites = useInvites();
  const create = useCreateInvite();
  const revoke = useRevokeInvite();
  const [created, setCreated] = useState<InviteCreated | null>(null);
  const fields = fieldErrorsOf(create.error);
  return (
    <Section title="Invite links">
      <form
        aria-label="Create an invite link"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const values = formValues(form);
          create.mutate(
            {
              ...(values.email ? { email: values.email } : {}),
              expires_in_hours: Number(values.expires_in_hours ?? 168),
            },
            {
              onSuccess: (invite) => {
                setCreated(invite);
                form.reset();
              },
            },
          );
        }}
      >
        <Field
          label="Only for this email (optional)"
          name="email"
          type="email"
          autoComplete="off"
          error={fields.email}
        />
        <SelectField
          label="Expires after"
          name="expires_in_hours"
          defaultValue="168"
          options={[
            { value: "24", label: "1 day" },
            { value: "168", label: "7 days" },
            { value: "720", label: "30 days" },
          ]}
        />
        <FormError error={create.error} fields={["email"]} />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create invite link
        </button>
      </form>
      {created ? (
        <section className="callout" aria-label="New invite link">
          <p>
            <strong>Invite link created.</strong> Send it to the person; it works once and is not shown again.
          </p>
          <CopyableValue
            label="Invite link (shown once)"
            value={inviteLink(location.origin, created.token)}
            copyLabel="Copy link"
          />
          <button type="button" className="ghost" onClick={() => setCreated(null)}>
            Done
          </button>
        </section>
      ) : null}
      {invites.isPending ? (
        <Loading what="invites" />
      ) : invites.isError ? (
        <ErrorState error={invites.error} what="invites" onRetry={() => invites.refetch()} />
      ) : invites.data.length === 0 ? (
        <EmptyState title="No invite links yet." />
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Invite links</caption>
            <thead>
              <tr>
                <th scope="col">For</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invites.data.map((invite) => (
                <tr key={invite.invite_id}>
                  <td data-label="For">{invite.email ?? "anyone"}</td>
                  <td data-label="Status">
                    <StatusBadge
                      status={
                        invite.status === "pending" ? "pending" : invite.status === "used" ? "completed" : "failed"
                      }
                      label={invite.status}
                    />
                  </td>
                  <td data-label="Created">{formatDate(invite.created_at)}</td>
                  <td data-label="Expires">{formatDate(invite.expires_at)}</td>
                  <td>
                    {invite.status === "pending" ? (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke the invite for ${invite.email ?? "anyone"}`}
                        disabled={revoke.isPending}
                        onClick={() => revoke.mutate(invite.invite_id)}
                      >
                        Revoke
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <FormError error={revoke.error} />
    </Section>
  );
}
