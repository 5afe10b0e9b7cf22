import type { User } from "@garageswarm/protocol";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api/client.ts";
import { Field, FormError, fieldErrorsOf, formValues } from "../../components/form.tsx";
import { formatDate } from "../../components/format.ts";
import { Page, Section } from "../../components/page.tsx";
import { AllocatorSection } from "./allocator-section.tsx";
import { ApiKeysSection } from "./api-keys-section.tsx";
import { NotificationsSection } from "./notifications-section.tsx";

export function SettingsPage({ user }: { user: User }) {
  return (
    <Page title="Settings">
      <div className="grid two">
        <Section title="Profile">
          <dl className="facts">
            <dt>Username</dt>
            <dd>{user.username}</dd>
            <dt>Email</dt>
            <dd>{user.email}</dd>
            <dt>Role</dt>
            <dd>{user.is_admin ? "Administrator" : "User"}</dd>
            <dt>Member since</dt>
            <dd>{formatDate(user.created_at)}</dd>
          </dl>
        </Section>
        <ChangePasswordSection />
      </div>
      <NotificationsSection />
      <ApiKeysSection />
      <AllocatorSection isAdmin={user.is_admin} />
    </Page>
  );
}

function ChangePasswordSection() {
  const [mismatch, setMismatch] = useState<string | undefined>();
  const change = useMutation({
    mutationFn: (body: { current_password: string; new_password: string }) =>
      api.post<void>("/auth/change-password", body),
  });
  const fields = fieldErrorsOf(change.error);
  return (
    <Section title="Change password">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const values = formValues(form);
          if (values.new_password !== values.confirm_password) {
            setMismatch("does not match the new password");
            return;
          }
          setMismatch(undefined);
          change.mutate(
            { current_password: values.current_password ?? "", new_password: values.new_password ?? "" },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          error={fields.current_password}
        />
        <Field
          label="New password"
          name="new_password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          error={fields.new_password}
        />
        <Field
          label="Confirm new password"
          name="confirm_password"
          type="password"
          autoComplete="new-password"
          required
          error={mismatch}
        />
        <FormError error={change.error} fields={["current_password", "new_password"]} />
        {change.isSuccess ? (
          <p role="status" className="success">
            Password changed. Other sessions have been signed out.
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
    </Section>
  );
}
