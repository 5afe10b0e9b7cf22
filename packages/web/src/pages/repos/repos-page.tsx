// Saved repositories: what the task form offers to fill its repository section in one step.
import type { SavedRepo } from "@garageswarm/protocol";
import { useState } from "react";
import { useDeleteSavedRepo, useSavedRepos } from "../../api/repos.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { FormError } from "../../components/form.tsx";
import { Page } from "../../components/page.tsx";
import { EmptyState, ErrorState, Loading } from "../../components/states.tsx";
import { RepoForm } from "./repo-form.tsx";

export function ReposPage() {
  const repos = useSavedRepos();
  const remove = useDeleteSavedRepo();
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  return (
    <Page
      title="Repositories"
      actions={
        adding ? null : (
          <button type="button" className="primary" onClick={() => setAdding(true)}>
            Add repository
          </button>
        )
      }
    >
      {adding ? <RepoForm repo={null} onDone={() => setAdding(false)} /> : null}
      <FormError error={remove.error} />
      {repos.isPending ? (
        <Loading what="repositories" />
      ) : repos.isError ? (
        <ErrorState error={repos.error} what="repositories" onRetry={() => repos.refetch()} />
      ) : repos.data.length === 0 ? (
        <EmptyState title="No saved repositories yet.">
          <p>
            A code task works on a git repository: the agent edits a copy of it on a branch of its own, runs your check
            command, and you review the change before taking it. Save a repository here (its URL, branch, setup and
            check commands) to pick it in one step when you create a task.
          </p>
        </EmptyState>
      ) : (
        <ul className="repo-list" aria-label="Saved repositories">
          {repos.data.map((repo) =>
            editing === repo.repo_id ? (
              <li key={repo.repo_id}>
                <RepoForm repo={repo} onDone={() => setEditing(null)} />
              </li>
            ) : (
              <li key={repo.repo_id}>
                <RepoCard
                  repo={repo}
                  onEdit={() => setEditing(repo.repo_id)}
                  onDelete={async () => {
                    const yes = await confirmAction({
                      title: `Delete the saved repository ${repo.name}?`,
                      message: "Tasks made with it keep their copy.",
                      confirm: "Delete repository",
                      danger: true,
                    });
                    if (yes) remove.mutate(repo.repo_id);
                  }}
                  busy={remove.isPending}
                />
              </li>
            ),
          )}
        </ul>
      )}
    </Page>
  );
}

function RepoCard({
  repo,
  onEdit,
  onDelete,
  busy,
}: {
  repo: SavedRepo;
  onEdit: () => void;
  onDelete: () => void;
  busy: boolean;
}) {
  return (
    <article className="card" aria-label={repo.name}>
      <div className="section-head">
        <h2>{repo.name}</h2>
        <div className="actions">
          <button type="button" onClick={onEdit} aria-label={`Edit ${repo.name}`}>
            Edit
          </button>
          <button
            type="button"
            className="danger"
            onClick={onDelete}
            disabled={busy}
            aria-label={`Delete ${repo.name}`}
          >
            Delete
          </button>
        </div>
      </div>
      <dl className="facts">
        <dt>URL</dt>
        <dd className="mono wrap">{repo.url}</dd>
        <dt>Branch or tag</dt>
        <dd className="mono">{repo.default_ref ?? "the remote's default branch"}</dd>
        <dt>Setup</dt>
        <dd className="mono wrap">{repo.setup ?? "—"}</dd>
        <dt>Check</dt>
        <dd className="mono wrap">{repo.check ?? "—"}</dd>
        <dt>Push</dt>
        <dd>{repo.push ? "Task branches are pushed" : "Branches stay on the workers"}</dd>
      </dl>
    </article>
  );
}
