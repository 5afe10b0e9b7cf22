import type { ApiKeyCreated } from "@garageswarm/protocol";
import { useState } from "react";
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from "../../api/keys.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { Field, FormError, fieldErrorsOf, formValues, SelectField } from "../../components/form.tsx";
import { formatAgo, formatDate } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { CopyableValue } from "../../components/secret.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";

export function ApiKeysSection() {
  const keys = useApiKeys();
  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const fields = fieldErrorsOf(create.error);

  return (
    <Section title="API keys">
      <p className="muted">
        Keys let workers and the CLI act as you. A worker key can only register a worker, take tasks and report on them;
        a full key can do anything you can (for the CLI and scripts). A key's secret is shown once, when it is created.
      </p>
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const values = formValues(form);
          const scope = values.scope === "full" ? "full" : "worker";
          create.mutate(
            { name: values.name ?? "", scope },
            {
              onSuccess: (key) => {
                setCreated(key);
                form.reset();
              },
            },
          );
        }}
      >
        <Field label="Key name" name="name" required maxLength={100} placeholder="laptop, ci, …" error={fields.name} />
        <SelectField
          label="Scope"
          name="scope"
          defaultValue="worker"
          options={[
            { value: "worker", label: "Worker (register, take tasks, report)" },
            { value: "full", label: "Full (everything you can do)" },
          ]}
          error={fields.scope}
        />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      <FormError error={create.error} fields={["name", "scope"]} />
      {created ? (
        <section className="callout" aria-label="New API key">
          <p>
            <strong>Key "{created.name}" created.</strong> Copy it now: it will not be shown again.
          </p>
          <CopyableValue label="API key (shown once)" value={created.key} copyLabel="Copy key" />
          <button type="button" className="ghost" onClick={() => setCreated(null)}>
            Done
          </button>
        </section>
      ) : null}

      {keys.isPending ? (
        <Loading what="API keys" />
      ) : keys.isError ? (
        <ErrorState error={keys.error} what="API keys" onRetry={() => keys.refetch()} />
      ) : keys.data.length === 0 ? (
        <EmptyState title="No API keys yet.">
          <p>Create one above, or use "Add worker" on the Workers page.</p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Your API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.key_id}>
                  <td data-label="Name">{key.name}</td>
                  <td data-label="Scope">{key.scope === "full" ? "Full" : "Worker"}</td>
                  <td data-label="Prefix" className="mono">
                    {key.prefix}…
                  </td>
                  <td data-label="Created">{formatDate(key.created_at)}</td>
                  <td data-label="Last used">{formatAgo(key.last_used_at)}</td>
                  <td data-label="Status">{key.revoked_at ? `Revoked ${formatAgo(key.revoked_at)}` : "Active"}</td>
                  <td>
                    {key.revoked_at ? null : (
                      <button
                        type="button"
                        className="danger"
                        aria-label={`Revoke ${key.name}`}
                        disabled={revoke.isPending}
                        onClick={async () => {
                          const yes = await confirmAction({
                            title: `Revoke the key "${key.name}"?`,
                            message: "Anything using it, and any key made with it, stops working.",
                            confirm: "Revoke key",
                            danger: true,
                          });
                          if (yes) revoke.mutate(key.key_id);
                        }}
                      >
                        Revoke
                      </button>
                    )}
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
