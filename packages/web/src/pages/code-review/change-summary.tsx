// The head of a code task's review: which revision this is (with links to the others), its branch and
// commits, its size, how far the base moved, and the review's state.
import type { CodeResult, Task } from "@garageswarm/protocol";
import { Link } from "wouter";
import { terminalStatuses } from "../../api/tasks.ts";
import { Section } from "../../components/page.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { reviewStateLabels } from "../../labels.ts";
import { baseMovedText, shortSha } from "./summary.ts";

export function ChangeSummary({
  task,
  code,
  revisions,
}: {
  task: Task;
  code: CodeResult | null;
  revisions: Task[] | undefined;
}) {
  const moved = code ? baseMovedText(code) : null;
  return (
    <Section
      title="Change"
      actions={
        task.review_state ? (
          <StatusBadge status={`review-${task.review_state}`} label={reviewStateLabels[task.review_state]} />
        ) : null
      }
    >
      <RevisionSwitcher task={task} revisions={revisions} />
      {task.repo ? (
        <p className="mono wrap">
          {task.repo.url}
          {task.repo.ref ? ` @ ${task.repo.ref}` : ""}
        </p>
      ) : null}
      {code ? (
        <dl className="facts">
          <dt>Branch</dt>
          <dd className="mono wrap">
            {code.branch}
            {code.pushed ? <span className="chip">pushed</span> : null}
          </dd>
          <dt>Commits</dt>
          <dd className="mono">
            <span title={code.base_sha}>{shortSha(code.base_sha)}</span> →{" "}
            <span title={code.head_sha}>{shortSha(code.head_sha)}</span>
            <span className="muted">
              {" "}
              · {code.ahead} commit{code.ahead === 1 ? "" : "s"} ahead of {code.base_ref ?? "the default branch"}
            </span>
          </dd>
          {task.pull_request ? (
            <>
              <dt>Pull request</dt>
              <dd>
                <a href={task.pull_request.url} target="_blank" rel="noreferrer">
                  #{task.pull_request.number}
                </a>
              </dd>
            </>
          ) : null}
          <dt>Size</dt>
          <dd>
            {code.files.length} file{code.files.length === 1 ? "" : "s"} ·{" "}
            <span className="additions">+{code.additions}</span> <span className="deletions">−{code.deletions}</span>
          </dd>
        </dl>
      ) : (
        <p className="muted">
          {terminalStatuses.includes(task.status)
            ? "The task ended without a change to review."
            : "The change is shown here when the task completes."}
        </p>
      )}
      {moved ? (
        <p className="warning" role="status">
          {moved}. The change was made on an older base; it may not apply cleanly.
        </p>
      ) : null}
    </Section>
  );
}

/** "Revision 2 of 3" with a link to each revision of the review chain. */
function RevisionSwitcher({ task, revisions }: { task: Task; revisions: Task[] | undefined }) {
  if (!revisions || revisions.length < 2) {
    return task.revision && task.revision > 1 ? <p>Revision {task.revision}</p> : null;
  }
  const index = revisions.findIndex((revision) => revision.task_id === task.task_id);
  return (
    <nav aria-label="Revisions" className="revisions">
      <span>
        Revision {index + 1} of {revisions.length}
      </span>
      <ol>
        {revisions.map((revision, position) => (
          <li key={revision.task_id}>
            <Link
              href={`/tasks/${revision.task_id}`}
              aria-current={revision.task_id === task.task_id ? "page" : undefined}
              aria-label={`Revision ${position + 1}${revision.review_state ? `, ${reviewStateLabels[revision.review_state].toLowerCase()}` : ""}`}
            >
              {position + 1}
            </Link>
          </li>
        ))}
      </ol>
    </nav>
  );
}
