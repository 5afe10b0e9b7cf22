// The reviewer's side: a comment on the whole change, the drafts so far, and the two verdicts. "Request
// changes" sends the drafts (and a message) back to the agent as the next revision's task; "Accept" gives
// the ways to take the change.
import {
  type AcceptedChange,
  acceptedChange,
  type CodeResult,
  type ReviewComment,
  type Task,
} from "@garageswarm/protocol";
import { useEffect, useMemo, useState } from "react";
import { Link, useLocation } from "wouter";
import { useAccept, useAddComment, useDeleteComment, useRequestChanges } from "../../api/code-review.ts";
import { FormError, fieldErrorsOf, TextAreaField } from "../../components/form.tsx";
import { Section } from "../../components/page.tsx";
import { CopyableValue } from "../../components/secret.tsx";
import { CommentList } from "./comment-list.tsx";
import { patchFileName } from "./summary.ts";

export interface ReviewPanelProps {
  task: Task;
  code: CodeResult;
  comments: readonly ReviewComment[];
  revisions: Task[] | undefined;
  /** The patch text, once loaded: offered as a file to download. */
  patch: string | undefined;
  /** This revision takes comments and a verdict: the latest of its chain, completed and not yet reviewed. */
  reviewable: boolean;
}

export function ReviewPanel({ task, code, comments, revisions, patch, reviewable }: ReviewPanelProps) {
  const drafts = comments.filter((comment) => comment.sent_in_task_id === null);
  const sent = comments.filter((comment) => comment.sent_in_task_id !== null && comment.path === null);
  const deleteComment = useDeleteComment(task.task_id);
  // Held here, not in the verdict form: accepting ends the review, which takes that form away.
  const accept = useAccept(task.task_id);
  const latest = revisions?.at(-1);
  const followUp = revisions?.find((revision) => revision.follows_task_id === task.task_id);

  return (
    <Section title="Review">
      {latest && latest.task_id !== task.task_id ? (
        <p className="warning" role="status">
          This is an earlier revision. <Link href={`/tasks/${latest.task_id}`}>Review the latest revision</Link>.
        </p>
      ) : null}
      {task.review_state === "changes_requested" && followUp ? (
        <p>
          Changes were requested: <Link href={`/tasks/${followUp.task_id}`}>revision {followUp.revision}</Link> makes
          them.
        </p>
      ) : null}
      {reviewable ? <WholeChangeComment taskId={task.task_id} /> : null}
      {drafts.length > 0 ? (
        <>
          <h3>Draft comments ({drafts.length})</h3>
          <p className="muted">Sent to the agent when you request changes.</p>
          <CommentList
            comments={drafts}
            showPlace
            onDelete={reviewable ? (comment) => deleteComment.mutate(comment.comment_id) : null}
          />
          <FormError error={deleteComment.error} />
        </>
      ) : null}
      {sent.length > 0 ? (
        <>
          <h3>Comments sent</h3>
          <CommentList comments={sent} onDelete={null} />
        </>
      ) : null}
      {reviewable && !accept.data ? (
        <Verdicts task={task} pushed={code.pushed} accept={accept} drafts={drafts.length} />
      ) : null}
      {accept.data || task.review_state === "accepted" ? (
        <TakeTheChange task={task} code={code} patch={patch} accepted={accept.data ?? null} />
      ) : null}
    </Section>
  );
}

function WholeChangeComment({ taskId }: { taskId: string }) {
  const add = useAddComment(taskId);
  const [body, setBody] = useState("");
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        add.mutate({ body }, { onSuccess: () => setBody("") });
      }}
    >
      <TextAreaField
        label="Comment on the whole change"
        rows={3}
        value={body}
        onChange={(event) => setBody(event.target.value)}
        hint="Or comment on a line: select its line number in the diff."
        error={fieldErrorsOf(add.error).body}
      />
      <FormError error={add.error} fields={["body"]} />
      <div className="actions">
        <button type="submit" disabled={add.isPending || !body.trim()}>
          Add comment
        </button>
      </div>
    </form>
  );
}

function Verdicts({
  task,
  pushed,
  accept,
  drafts,
}: {
  task: Task;
  /** The branch is on the remote: a forge can open a pull request of it. */
  pushed: boolean;
  accept: ReturnType<typeof useAccept>;
  drafts: number;
}) {
  const [, navigate] = useLocation();
  const requestChanges = useRequestChanges(task.task_id);
  const [message, setMessage] = useState("");
  return (
    <form
      aria-label="Verdict"
      className="verdicts"
      onSubmit={(event) => {
        event.preventDefault();
        requestChanges.mutate(message, { onSuccess: (next) => navigate(`/tasks/${next.task_id}`) });
      }}
    >
      <TextAreaField
        label="Message to the agent"
        rows={2}
        value={message}
        onChange={(event) => setMessage(event.target.value)}
        hint={`Optional. Sent with ${drafts === 0 ? "no draft comments" : `the ${drafts} draft comment${drafts === 1 ? "" : "s"}`}.`}
        error={fieldErrorsOf(requestChanges.error).message}
      />
      <FormError error={requestChanges.error} fields={["message"]} />
      <FormError error={accept.error} />
      <div className="actions">
        <button
          type="submit"
          disabled={requestChanges.isPending || accept.isPending || (drafts === 0 && !message.trim())}
        >
          Request changes
        </button>
        <button
          type="button"
          className="primary"
          disabled={requestChanges.isPending || accept.isPending}
          onClick={() => accept.mutate({})}
        >
          Accept
        </button>
        {pushed ? (
          <button
            type="button"
            disabled={requestChanges.isPending || accept.isPending}
            onClick={() => accept.mutate({ open_pull_request: true })}
          >
            Accept and open a pull request
          </button>
        ) : null}
      </div>
    </form>
  );
}

/** How to take an accepted change: the patch as a file, and the commands the server gave (or git's own). */
function TakeTheChange({
  task,
  code,
  patch,
  accepted,
}: {
  task: Task;
  code: CodeResult;
  patch: string | undefined;
  accepted: AcceptedChange | null;
}) {
  // The patch route needs the bearer token, which a plain link does not send: offer the loaded text as a file.
  const download = useMemo(
    () => (patch === undefined ? null : URL.createObjectURL(new Blob([patch], { type: "text/x-diff" }))),
    [patch],
  );
  useEffect(() => () => (download ? URL.revokeObjectURL(download) : undefined), [download]);
  const fileName = patchFileName(task.task_id, task.revision);
  const pullRequest = accepted?.pull_request ?? task.pull_request;
  // Accepted on another device or before a reload: the same wording as the server's answer.
  const mergeCommand = accepted?.merge_command ?? acceptedChange(task.task_id, code).merge_command;
  return (
    <div className="accepted">
      <p>
        <strong>Accepted.</strong> Take the change into your repository:
      </p>
      {pullRequest ? (
        <p>
          <a href={pullRequest.url} target="_blank" rel="noreferrer">
            Pull request #{pullRequest.number}
          </a>{" "}
          is open on the repository's forge.
        </p>
      ) : null}
      {download ? (
        <p>
          <a href={download} download={fileName}>
            Download the patch ({fileName})
          </a>
        </p>
      ) : null}
      {mergeCommand ? <CopyableValue label="Merge the pushed branch" value={mergeCommand} /> : null}
      <CopyableValue label="Apply the patch" value={accepted?.apply_command ?? `git apply --index ${fileName}`} />
    </div>
  );
}
