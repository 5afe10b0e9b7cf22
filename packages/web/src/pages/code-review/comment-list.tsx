// Review comments as a list: each one's text, whether it is still a draft, and a delete button for drafts.
import type { ReviewComment } from "@garageswarm/protocol";

export function CommentList({
  comments,
  onDelete,
  showPlace = false,
}: {
  comments: readonly ReviewComment[];
  onDelete: ((comment: ReviewComment) => void) | null;
  /** Say which line each comment is on (in a list away from the diff). */
  showPlace?: boolean;
}) {
  if (comments.length === 0) return null;
  return (
    <ul className="comments">
      {comments.map((comment) => (
        <li key={comment.comment_id} className="comment">
          {showPlace ? <p className="comment-place mono">{placeOf(comment)}</p> : null}
          <p className="comment-body">{comment.body}</p>
          <div className="comment-meta">
            {comment.sent_in_task_id ? (
              <span className="chip">sent</span>
            ) : (
              <span className="chip chip-draft">draft</span>
            )}
            {!comment.sent_in_task_id && onDelete ? (
              <button type="button" className="ghost small" onClick={() => onDelete(comment)}>
                Delete comment
              </button>
            ) : null}
          </div>
        </li>
      ))}
    </ul>
  );
}

function placeOf(comment: ReviewComment): string {
  if (comment.path === null) return "The whole change";
  if (comment.line === null) return comment.path;
  return `${comment.path}:${comment.line}${comment.side === "old" ? " (removed line)" : ""}`;
}
