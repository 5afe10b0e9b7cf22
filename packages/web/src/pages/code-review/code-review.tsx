// A code task's page section: the change's summary, its checks, the files and the diff, and the review.
// The diff renderer is a chunk of its own, loaded when a change is shown.
import type { ReviewComment, Task } from "@garageswarm/protocol";
import { lazy, Suspense, useState } from "react";
import type { ViewType } from "react-diff-view";
import { useAddComment, useComments, useDeleteComment, usePatch, useRevisions } from "../../api/code-review.ts";
import { FormError } from "../../components/form.tsx";
import { Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";
import { ChangeSummary } from "./change-summary.tsx";
import { CommandResults } from "./command-results.tsx";
import type { LineComment } from "./diff-view.tsx";
import { FilesChanged } from "./files-changed.tsx";
import { ReviewPanel } from "./review-panel.tsx";

const DiffView = lazy(() => import("./diff-view.tsx"));

const viewTypeKey = "garageswarm.diff-view";
const noComments: ReviewComment[] = [];

export function CodeReview({ task }: { task: Task }) {
  const code = task.result?.code ?? null;
  const revisions = useRevisions(task.task_id, task.revision !== null);
  const comments = useComments(task.task_id, code !== null);
  const patch = usePatch(task.task_id, code !== null);
  const addComment = useAddComment(task.task_id);
  const deleteComment = useDeleteComment(task.task_id);
  const [viewType, setViewType] = useState<ViewType>(() => initialViewType());
  const latest = revisions.data?.at(-1);
  // Only the latest revision of a chain is reviewed, once its task completed with a change.
  const reviewable =
    code !== null &&
    task.status === "completed" &&
    task.review_state === "unreviewed" &&
    latest !== undefined &&
    latest.task_id === task.task_id;
  const chooseView = (next: ViewType) => {
    setViewType(next);
    localStorage.setItem(viewTypeKey, next);
  };

  return (
    <>
      <ChangeSummary task={task} code={code} revisions={revisions.data} />
      {code ? (
        <>
          <CommandResults code={code} />
          <FilesChanged files={code.files} />
          <Section title="Diff" actions={<ViewToggle value={viewType} onChange={chooseView} />}>
            {patch.isPending ? <Loading what="the diff" /> : null}
            {patch.isError ? <ErrorState error={patch.error} what="the diff" onRetry={() => patch.refetch()} /> : null}
            {patch.data !== undefined ? (
              <Suspense fallback={<Loading what="the diff viewer" />}>
                <DiffView
                  patch={patch.data}
                  files={code.files}
                  viewType={viewType}
                  comments={comments.data ?? noComments}
                  onAddComment={
                    reviewable
                      ? ({ path, line, side, body }: LineComment) => addComment.mutateAsync({ path, line, side, body })
                      : null
                  }
                  onDeleteComment={reviewable ? (comment) => deleteComment.mutate(comment.comment_id) : null}
                />
              </Suspense>
            ) : null}
            <FormError error={deleteComment.error} />
          </Section>
          <ReviewPanel
            task={task}
            code={code}
            comments={comments.data ?? noComments}
            revisions={revisions.data}
            patch={patch.data}
            reviewable={reviewable}
          />
        </>
      ) : null}
    </>
  );
}

/** Unified on a narrow screen, where two columns of code do not fit; else what the reader chose last. */
function initialViewType(): ViewType {
  const saved = localStorage.getItem(viewTypeKey);
  if (saved === "unified" || saved === "split") return saved;
  return window.matchMedia("(min-width: 1000px)").matches ? "split" : "unified";
}

function ViewToggle({ value, onChange }: { value: ViewType; onChange: (next: ViewType) => void }) {
  return (
    <fieldset className="toggle">
      <legend className="visually-hidden">Diff layout</legend>
      {(["unified", "split"] as const).map((option) => (
        <button
          key={option}
          type="button"
          className="small"
          aria-pressed={value === option}
          onClick={() => onChange(option)}
        >
          {option === "unified" ? "Unified" : "Split"}
        </button>
      ))}
    </fieldset>
  );
}
