// The task form's repository: a saved one picked from a list (which fills the fields) or typed in. Only
// for tools that edit files; the agent then works in a worktree of it, on a branch of its own.
import type { SavedRepo, ToolId } from "@garageswarm/protocol";
import { useId, useState } from "react";
import { Link } from "wouter";
import { useSavedRepos } from "../../api/repos.ts";
import { Field, SelectField } from "../../components/form.tsx";
import { codeToolIds, toolLabels } from "../../labels.ts";
import { canUseRepo } from "./repo-fields.ts";

interface RepoFields {
  url: string;
  ref: string;
  setup: string;
  check: string;
  push: boolean;
}

const empty: RepoFields = { url: "", ref: "", setup: "", check: "", push: false };

function fieldsOf(repo: SavedRepo): RepoFields {
  return {
    url: repo.url,
    ref: repo.default_ref ?? "",
    setup: repo.setup ?? "",
    check: repo.check ?? "",
    push: repo.push,
  };
}

export function RepoSection({ tools, errors }: { tools: readonly ToolId[]; errors: Record<string, string> }) {
  const saved = useSavedRepos();
  const [savedId, setSavedId] = useState("");
  const [fields, setFields] = useState<RepoFields>(empty);
  const pushId = useId();
  const set = (name: keyof RepoFields, value: string | boolean) => setFields({ ...fields, [name]: value });

  if (!canUseRepo(tools)) {
    return (
      <p className="muted">
        A repository needs tools that edit files ({codeToolIds.map((tool) => toolLabels[tool]).join(", ")}).
      </p>
    );
  }
  return (
    <fieldset className="repo-section">
      <legend>Repository (optional)</legend>
      <p className="muted">
        The agent works in a copy of the repository on a branch of its own, and you review its change here. Workers use
        their own git credentials.
      </p>
      {saved.data && saved.data.length > 0 ? (
        <SelectField
          label="Saved repository"
          value={savedId}
          onChange={(event) => {
            const repo = saved.data.find((item) => item.repo_id === event.target.value);
            setSavedId(event.target.value);
            setFields(repo ? fieldsOf(repo) : empty);
          }}
          options={[
            { value: "", label: "None: type it in" },
            ...saved.data.map((repo) => ({ value: repo.repo_id, label: repo.name })),
          ]}
        />
      ) : (
        <p className="muted">
          <Link href="/repositories">Save a repository</Link> to pick it here in one step.
        </p>
      )}
      <div className="grid two">
        <Field
          label="Repository URL"
          name="repo_url"
          value={fields.url}
          onChange={(event) => set("url", event.target.value)}
          placeholder="git@github.com:you/project.git"
          autoComplete="off"
          spellCheck={false}
          error={errors["repo.url"] ?? errors.repo}
        />
        <Field
          label="Branch, tag or commit"
          name="repo_ref"
          value={fields.ref}
          onChange={(event) => set("ref", event.target.value)}
          placeholder="the default branch"
          autoComplete="off"
          spellCheck={false}
          error={errors["repo.ref"]}
        />
        <Field
          label="Setup command"
          name="repo_setup"
          value={fields.setup}
          onChange={(event) => set("setup", event.target.value)}
          placeholder="npm ci"
          hint="Runs in the copy before the agent."
          spellCheck={false}
          error={errors["repo.setup"]}
        />
        <Field
          label="Check command"
          name="repo_check"
          value={fields.check}
          onChange={(event) => set("check", event.target.value)}
          placeholder="npm test"
          hint="Runs after the agent; its result is shown with the change."
          spellCheck={false}
          error={errors["repo.check"]}
        />
      </div>
      <div className="checkbox">
        <input
          id={pushId}
          type="checkbox"
          name="repo_push"
          checked={fields.push}
          onChange={(event) => set("push", event.target.checked)}
        />
        <label htmlFor={pushId}>Push the task's branch to the repository</label>
      </div>
      {errors["repo.push"] ? <small className="field-error">{errors["repo.push"]}</small> : null}
    </fieldset>
  );
}
