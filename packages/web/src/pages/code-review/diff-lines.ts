// Where review comments sit in a parsed diff. A comment names a file, a line and a side ("new": the line
// in the changed file, "old": in the file before); react-diff-view places widgets by change key, so a
// comment is mapped to the key of the change that shows that line, and a clicked change back to a line.
import type { ReviewComment } from "@garageswarm/protocol";
import { type ChangeData, type FileData, getChangeKey, type HunkData, isDelete, isInsert } from "react-diff-view";

export type Side = "old" | "new";

export interface LineTarget {
  line: number;
  side: Side;
}

/** The path a reviewer knows a file by: the new path, or the old one for a deleted file. */
export function filePath(file: Pick<FileData, "type" | "oldPath" | "newPath">): string {
  return file.type === "delete" ? file.oldPath : file.newPath;
}

/** The line a change shows: an added or kept line by its new number, a removed line by its old one. */
export function lineOfChange(change: ChangeData): LineTarget {
  if (isInsert(change)) return { line: change.lineNumber, side: "new" };
  if (isDelete(change)) return { line: change.lineNumber, side: "old" };
  return { line: change.newLineNumber, side: "new" };
}

/** The change that shows a line on a side, or null when the diff does not show it. */
export function findChange(hunks: HunkData[], target: LineTarget): ChangeData | null {
  for (const hunk of hunks) {
    for (const change of hunk.changes) {
      if (target.side === "new") {
        if (isInsert(change) && change.lineNumber === target.line) return change;
        if (!isInsert(change) && !isDelete(change) && change.newLineNumber === target.line) return change;
      } else {
        if (isDelete(change) && change.lineNumber === target.line) return change;
        if (!isInsert(change) && !isDelete(change) && change.oldLineNumber === target.line) return change;
      }
    }
  }
  return null;
}

export interface PlacedComments {
  /** Line comments by the change key of the line they are on. */
  byChangeKey: Map<string, ReviewComment[]>;
  /** Line comments on this file whose line the diff does not show (the file changed again since). */
  elsewhere: ReviewComment[];
}

/** Places the line comments on one file of the diff. */
export function placeComments(file: FileData, comments: readonly ReviewComment[]): PlacedComments {
  const path = filePath(file);
  const byChangeKey = new Map<string, ReviewComment[]>();
  const elsewhere: ReviewComment[] = [];
  for (const comment of comments) {
    if (comment.path !== path || comment.line === null) continue;
    const change = findChange(file.hunks, { line: comment.line, side: comment.side });
    if (!change) {
      elsewhere.push(comment);
      continue;
    }
    const key = getChangeKey(change);
    byChangeKey.set(key, [...(byChangeKey.get(key) ?? []), comment]);
  }
  return { byChangeKey, elsewhere };
}

/** Comments on a path the diff has no file for: listed with the whole-change comments rather than lost. */
export function commentsOffTheDiff(files: readonly FileData[], comments: readonly ReviewComment[]): ReviewComment[] {
  const paths = new Set(files.map(filePath));
  return comments.filter((comment) => comment.path !== null && !paths.has(comment.path));
}

const languagesByExtension: Record<string, string> = {
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "jsx",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  json: "json",
  css: "css",
  html: "markup",
  xml: "markup",
  svg: "markup",
  py: "python",
  go: "go",
  rs: "rust",
  sh: "bash",
  bash: "bash",
  yml: "yaml",
  yaml: "yaml",
  md: "markdown",
  java: "java",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  hpp: "cpp",
  rb: "ruby",
  sql: "sql",
  toml: "toml",
};

/** The highlighting grammar for a file, or null to show it plain. */
export function languageOf(path: string): string | null {
  const name = path.split("/").pop() ?? "";
  if (name === "Dockerfile") return "docker";
  const dot = name.lastIndexOf(".");
  return dot > 0 ? (languagesByExtension[name.slice(dot + 1).toLowerCase()] ?? null) : null;
}
