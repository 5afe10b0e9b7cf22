// The change as a diff: one table per file (react-diff-view), unified or split, highlighted, with the
// review's line comments under their lines. A line number is a button: it opens a comment box there.
// Loaded on its own (lazy) so the rest of the dashboard does not carry the diff renderer and grammars.
import "react-diff-view/style/index.css";
import "./diff-view.css";
import type { DiffFile, ReviewComment } from "@garageswarm/protocol";
import { type FormEvent, type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import {
  Decoration,
  Diff,
  type FileData,
  getChangeKey,
  Hunk,
  isDelete,
  parseDiff,
  type RenderGutter,
  type ViewType,
} from "react-diff-view";
import { FormError } from "../../components/form.tsx";
import { fileAnchor } from "./anchors.ts";
import { CommentList } from "./comment-list.tsx";
import { filePath, type LineTarget, languageOf, lineOfChange, placeComments } from "./diff-lines.ts";
import { tokensFor } from "./highlight.ts";

export interface LineComment extends LineTarget {
  path: string;
  body: string;
}

export interface DiffViewProps {
  patch: string;
  files: readonly DiffFile[];
  viewType: ViewType;
  comments: readonly ReviewComment[];
  /** Null when this revision takes no more comments (reviewed, or not the latest). */
  onAddComment: ((comment: LineComment) => Promise<unknown>) | null;
  onDeleteComment: ((comment: ReviewComment) => void) | null;
}

export default function DiffView({ patch, files, viewType, comments, onAddComment, onDeleteComment }: DiffViewProps) {
  const parsed = useMemo(() => parseDiff(patch, { nearbySequences: "zip" }), [patch]);
  if (parsed.length === 0) return <p className="muted">The patch holds no changes.</p>;
  return (
    <div className="diff-files">
      {parsed.map((file) => (
        <FileDiff
          key={`${file.oldPath}→${file.newPath}`}
          file={file}
          facts={files.find((fact) => fact.path === filePath(file))}
          viewType={viewType}
          comments={comments}
          onAddComment={onAddComment}
          onDeleteComment={onDeleteComment}
        />
      ))}
    </div>
  );
}

function FileDiff({
  file,
  facts,
  viewType,
  comments,
  onAddComment,
  onDeleteComment,
}: Omit<DiffViewProps, "patch" | "files"> & { file: FileData; facts: DiffFile | undefined }) {
  const path = filePath(file);
  const [composerAt, setComposerAt] = useState<string | null>(null);
  const section = useRef<HTMLElement>(null);
  // Back to the line's button when its box closes, so a keyboard reader keeps their place in the diff.
  const closeComposer = (key: string) => {
    setComposerAt(null);
    requestAnimationFrame(() =>
      section.current?.querySelector<HTMLButtonElement>(`button[data-change-key="${CSS.escape(key)}"]`)?.focus(),
    );
  };
  const tokens = useMemo(() => tokensFor(file.hunks, languageOf(path)), [file.hunks, path]);
  const placed = useMemo(() => placeComments(file, comments), [file, comments]);

  const widgets: Record<string, ReactNode> = {};
  for (const hunk of file.hunks) {
    for (const change of hunk.changes) {
      const key = getChangeKey(change);
      const thread = placed.byChangeKey.get(key) ?? [];
      const composing = composerAt === key && onAddComment;
      if (thread.length === 0 && !composing) continue;
      widgets[key] = (
        <div className="line-thread">
          <CommentList comments={thread} onDelete={onDeleteComment} />
          {composing ? (
            <CommentComposer
              label={composerLabel(path, lineOfChange(change))}
              onCancel={() => closeComposer(key)}
              onSubmit={(body) => onAddComment({ path, ...lineOfChange(change), body }).then(() => closeComposer(key))}
            />
          ) : null}
        </div>
      );
    }
  }

  const renderGutter: RenderGutter = ({ change, side, renderDefault }) => {
    // One button a line: on the side that line has (a removed line's old number, else the new one).
    const commentable = onAddComment && (side === "old") === isDelete(change);
    if (!commentable) return renderDefault();
    const target = lineOfChange(change);
    return (
      <button
        type="button"
        className="line-button"
        data-change-key={getChangeKey(change)}
        aria-label={composerLabel(path, target)}
        aria-expanded={composerAt === getChangeKey(change)}
        onClick={() => setComposerAt(getChangeKey(change))}
      >
        {renderDefault()}
      </button>
    );
  };

  const renamed = file.type === "rename" || file.type === "copy";
  return (
    <section ref={section} className="diff-file" aria-labelledby={fileAnchor(path)}>
      <header className="diff-file-head">
        <h3 id={fileAnchor(path)} tabIndex={-1}>
          {renamed ? `${file.oldPath} → ${file.newPath}` : path}
        </h3>
        {facts ? (
          <span className="diff-stat">
            <span className="additions">+{facts.additions}</span> <span className="deletions">−{facts.deletions}</span>
          </span>
        ) : null}
      </header>
      {file.hunks.length === 0 ? (
        <p className="muted diff-empty">
          {facts?.binary ? "Binary file: not shown." : "No line changes (a mode change or an empty file)."}
        </p>
      ) : (
        <div className="diff-scroll">
          <Diff
            viewType={viewType}
            diffType={file.type}
            hunks={file.hunks}
            tokens={tokens}
            widgets={widgets}
            renderGutter={renderGutter}
            optimizeSelection
          >
            {(hunks) =>
              hunks.flatMap((hunk) => [
                <Decoration key={`decoration ${hunk.content}`}>
                  <span className="hunk-header">{hunk.content}</span>
                </Decoration>,
                <Hunk key={`hunk ${hunk.content}`} hunk={hunk} />,
              ])
            }
          </Diff>
        </div>
      )}
      {placed.elsewhere.length > 0 ? (
        <div className="line-thread">
          <p className="muted">On lines this diff does not show:</p>
          <CommentList comments={placed.elsewhere} onDelete={onDeleteComment} />
        </div>
      ) : null}
    </section>
  );
}

function composerLabel(path: string, { line, side }: LineTarget): string {
  return side === "old" ? `Comment on removed line ${line} of ${path}` : `Comment on line ${line} of ${path}`;
}

function CommentComposer({
  label,
  onSubmit,
  onCancel,
}: {
  label: string;
  onSubmit: (body: string) => Promise<unknown>;
  onCancel: () => void;
}) {
  const [body, setBody] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    onSubmit(body)
      .catch(setError)
      .finally(() => setSaving(false));
  };
  return (
    <form className="comment-composer" onSubmit={submit}>
      <textarea
        ref={box}
        aria-label={label}
        value={body}
        rows={3}
        required
        onChange={(event) => setBody(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onCancel();
          if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) submit(event);
        }}
      />
      <FormError error={error} />
      <div className="actions">
        <button type="submit" className="primary" disabled={saving}>
          Add comment
        </button>
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
