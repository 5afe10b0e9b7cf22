// Add or edit a saved repository: its name, URL, default ref, setup and check commands, and push.
import type { SavedRepo } from "@garageswarm/protocol";
import { useId } from "react";
import { useCreateSavedRepo, useUpdateSavedRepo } from "../../api/repos.ts";
import { Field, FormError, fieldErrorsOf, formValues, useOpenedForm } from "../../components/form.tsx";

const fieldNames = ["name", "url", "default_ref", "setup", "check", "push"];

export function RepoForm({ repo, onDone }: { repo: SavedRepo | null; onDone: () => void }) {
  const create = useCreateSavedRepo();
  const update = useUpdateSavedRepo(repo?.repo_id ?? "");
  const mutation = repo ? update : create;
  const fields = fieldErrorsOf(mutation.error);
  const pushId = useId();
  const title = repo ? `Edit ${repo.name}` : "Add a repository";
  const opened = useOpenedForm<HTMLFormElement>();

  return (
    <form
      ref={opened}
      className="card"
      aria-label={title}
      onSubmit={(event) => {
        event.preventDefault();
        const values = formValues(event.currentTarget);
        const text = (name: string) => values[name]?.trim() ?? "";
        const push = values.push === "on";
        if (repo) {
          // Emptied fields are cleared (null), not left as they were.
          update.mutate(
            {
              name: text("name"),
              url: text("url"),
              default_ref: text("default_ref") || null,
              setup: text("setup") || null,
              check: text("check") || null,
              push,
            },
            { onSuccess: onDone },
          );
        } else {
          create.mutate(
            {
              name: text("name"),
              url: text("url"),
              ...(text("default_ref") ? { default_ref: text("default_ref") } : {}),
              ...(text("setup") ? { setup: text("setup") } : {}),
              ...(text("check") ? { check: text("check") } : {}),
              push,
            },
            { onSuccess: onDone },
          );
        }
      }}
    >
      <h2>{title}</h2>
      <div className="grid two">
        <Field label="Name" name="name" required maxLength={100} defaultValue={repo?.name} error={fields.name} />
        <Field
          label="URL"
          name="url"
          required
          defaultValue={repo?.url}
          placeholder="git@github.com:you/project.git"
          hint="https, ssh, git or file. No password or token: workers use their own git credentials."
          autoComplete="off"
          spellCheck={false}
          error={fields.url}
        />
        <Field
          label="Default branch or tag"
          name="default_ref"
          defaultValue={repo?.default_ref ?? ""}
          placeholder="the remote's default branch"
          autoComplete="off"
          spellCheck={false}
          error={fields.default_ref}
        />
        <Field
          label="Setup command"
          name="setup"
          defaultValue={repo?.setup ?? ""}
          placeholder="npm ci"
          spellCheck={false}
          error={fields.setup}
        />
        <Field
          label="Check command"
          name="check"
          defaultValue={repo?.check ?? ""}
          placeholder="npm test"
          spellCheck={false}
          error={fields.check}
        />
      </div>
      <div className="checkbox">
        <input id={pushId} type="checkbox" name="push" defaultChecked={repo?.push ?? false} />
        <label htmlFor={pushId}>Push task branches to this repository</label>
      </div>
      <FormError error={mutation.error} fields={fieldNames} />
      <div className="actions">
        <button type="submit" className="primary" disabled={mutation.isPending}>
          {repo ? "Save repository" : "Add repository"}
        </button>
        <button type="button" className="ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
