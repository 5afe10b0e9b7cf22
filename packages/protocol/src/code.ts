// Code tasks: a task that names a git repository runs its agent in a worktree of it, on a branch of its
// own, and reports the change it made (the artifact) with the result. A review sends comments back as a
// follow-up task that continues the same branch (and, on the same worker, the same agent session).
//
// A code task's review, on the task that produced the revision under review:
//   unreviewed ──request changes──▶ changes_requested   (a follow-up task makes the next revision)
//   unreviewed ──accept──────────▶ accepted
// Only the latest revision of a chain is reviewed; a task that is not a code task has no review (null).
import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";
import { isStorableText, storableText } from "./text.ts";

/** The largest patch a worker uploads and the server keeps (bytes of `git diff --binary`). */
export const MAX_PATCH_BYTES = 5 * 1024 * 1024;

/** The most output of a setup or check command kept with the artifact (its tail). */
export const MAX_COMMAND_OUTPUT = 64_000;

const schemes = ["https:", "http:", "ssh:", "git:", "file:"];
/** `user@host:path`, as git reads it: a host without a slash before the colon, and no scheme. */
const scpLike = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^/\\]?.*$/;

/** Why git must not be given this URL, or null. Used by the schema and by the worker before it runs git. */
export function repoUrlProblem(url: string): string | null {
  if (url.startsWith("-")) return "must not start with '-'";
  if (/\s/.test(url)) return "must not contain whitespace";
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) return "must not use a git remote helper (`transport::address`)";
  if (scpLike.test(url) && !url.includes("://")) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "must be a URL git can fetch (https://, ssh://, git://, file://) or user@host:path";
  }
  if (!schemes.includes(parsed.protocol)) {
    return `must use https, http, ssh, git or file, not ${parsed.protocol.slice(0, -1)}`;
  }
  // A token in the URL would be stored, shown and sent to every worker: credentials stay on the worker
  // machine (its ssh agent or credential helper). ssh names a user, which is not a secret.
  if (parsed.password !== "") return "must not contain a password; workers use their own git credentials";
  if ((parsed.protocol === "https:" || parsed.protocol === "http:") && parsed.username !== "") {
    return "must not contain a user or token; workers use their own git credentials";
  }
  if (parsed.protocol !== "file:" && parsed.hostname === "") return "must name a host";
  return null;
}

export const RepoUrl = storableText(2_000)
  .pipe(z.string().trim().min(1, "is required"))
  .superRefine((url, context) => {
    const problem = repoUrlProblem(url);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/** Why git must not be given this ref, or null: what `git check-ref-format` refuses, and a leading '-'. */
export function gitRefProblem(ref: string): string | null {
  if (ref.startsWith("-")) return "must not start with '-'";
  if (!/^[A-Za-z0-9._/@^~+-]+$/.test(ref)) return "may hold only letters, digits and . _ / @ ^ ~ + -";
  if (ref.includes("..") || ref.includes("//") || ref.includes("@{")) return "must not contain '..', '//' or '@{'";
  if (ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock")) return "must not end with '/', '.' or '.lock'";
  return null;
}

/** A branch, tag or commit SHA. */
export const GitRef = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(250)
  .superRefine((ref, context) => {
    const problem = gitRefProblem(ref);
    if (problem) context.addIssue({ code: "custom", message: problem });
  });

/** A shell command run in the worktree (`sh -c`), before the agent (setup) or after it (check). */
export const RepoCommand = storableText(10_000).pipe(z.string().trim().min(1, "must not be empty"));

/** The repository a task works on. */
export const TaskRepo = z
  .object({
    url: RepoUrl,
    /** Branch, tag or SHA to start from; the remote's default branch when left out. */
    ref: GitRef.optional(),
    setup: RepoCommand.optional(),
    check: RepoCommand.optional(),
    /** Push the task's branch to the repository's remote (the worker's own credentials). */
    push: z.boolean().default(false),
  })
  .strict();
export type TaskRepo = z.infer<typeof TaskRepo>;

export const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "must be a full commit SHA");

/** A setup or check command as it ran: its exit code (null when killed) and the tail of its output. */
export const CommandResult = z.object({
  command: z.string().max(10_000),
  exit_code: z.number().int().nullable(),
  output: z.string().max(MAX_COMMAND_OUTPUT),
  duration_ms: z.number().int().nonnegative(),
  timed_out: z.boolean().default(false),
});
export type CommandResult = z.infer<typeof CommandResult>;

export const DiffFile = z.object({
  path: z.string().max(4_096),
  /** The path before a rename or copy. */
  old_path: z.string().max(4_096).nullable().default(null),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  binary: z.boolean().default(false),
});
export type DiffFile = z.infer<typeof DiffFile>;

/**
 * The change a code task made: its branch from `base_sha` to `head_sha`, what `git diff --stat` says, and
 * the check's result. The patch (`git diff --binary base_sha head_sha`, cumulative over the revisions of a
 * review chain) travels in `patch` from the worker only: the server keeps it apart from the task row and
 * serves it at `GET /api/v1/tasks/{id}/patch`.
 */
export const CodeResult = z.object({
  repo_url: z.string().max(2_000),
  /** The ref the task asked for, or null for the remote's default branch. */
  base_ref: z.string().max(250).nullable(),
  base_sha: Sha,
  head_sha: Sha,
  // A follow-up (a review's, or a workflow node continuing this change) hands it to the next worker's git.
  branch: z
    .string()
    .max(250)
    .refine((branch) => gitRefProblem(branch) === null, "must be a branch name git accepts"),
  files: z.array(DiffFile).max(20_000),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  patch_bytes: z.number().int().nonnegative().max(MAX_PATCH_BYTES),
  patch_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  patch: z.string().max(MAX_PATCH_BYTES).refine(isStorableText, "must not contain NUL or invalid unicode").optional(),
  setup: CommandResult.nullable().default(null),
  check: CommandResult.nullable().default(null),
  /** The branch was pushed to the repository's remote. */
  pushed: z.boolean().default(false),
  /** Commits the base ref gained since `base_sha` when the work ended; null when unknown (a SHA ref). */
  behind: z.number().int().nonnegative().nullable().default(null),
  /** Commits on the branch over `base_sha`. */
  ahead: z.number().int().nonnegative(),
});
export type CodeResult = z.infer<typeof CodeResult>;

/** Where a follow-up attempt starts: the branch of the revision it continues. */
export const TaskWorkspace = z.object({
  /** The task whose work this one continues (the revision under review). */
  from_task_id: Uuid,
  /** The chain's first task: its workdir (and agent session) is the one a same-worker follow-up reuses. */
  root_task_id: Uuid,
  branch: z.string().max(250),
  base_sha: Sha,
  head_sha: Sha,
  /** The branch is on the remote (pushed); else a worker without it applies the stored patch. */
  pushed: z.boolean(),
});
export type TaskWorkspace = z.infer<typeof TaskWorkspace>;

export const ReviewState = z.enum(["unreviewed", "changes_requested", "accepted"]);
export type ReviewState = z.infer<typeof ReviewState>;

/** A reviewer's comment on a line of the diff (`path` and `line`) or on the whole change (neither). */
export const ReviewCommentCreate = z
  .object({
    body: storableText(20_000).pipe(z.string().trim().min(1, "is required")),
    path: storableText(4_096).pipe(z.string().min(1)).optional(),
    /** The line in the new file (`side: "new"`, default) or in the old one. */
    line: z.number().int().positive().max(10_000_000).optional(),
    side: z.enum(["old", "new"]).default("new"),
  })
  .strict()
  .superRefine((value, context) => {
    if (value.line !== undefined && value.path === undefined) {
      context.addIssue({ code: "custom", path: ["path"], message: "is required with a line" });
    }
  });
export type ReviewCommentCreate = z.infer<typeof ReviewCommentCreate>;

export const ReviewComment = z.object({
  comment_id: Uuid,
  task_id: Uuid,
  user_id: Uuid,
  body: z.string(),
  path: z.string().nullable(),
  line: z.number().int().nullable(),
  side: z.enum(["old", "new"]),
  /** The follow-up task the comment was sent in; null while it is a draft. */
  sent_in_task_id: Uuid.nullable(),
  created_at: Timestamp,
});
export type ReviewComment = z.infer<typeof ReviewComment>;

/** Sends the draft comments (and `message`) back to the agent: a follow-up task makes the next revision. */
export const RequestChanges = z
  .object({
    message: storableText(20_000).pipe(z.string().trim().min(1)).optional(),
  })
  .strict();
export type RequestChanges = z.infer<typeof RequestChanges>;

/** Accepting a revision; with `open_pull_request`, the server opens one on the forge (the branch must be pushed). */
export const AcceptChange = z
  .object({
    open_pull_request: z.boolean().default(false),
  })
  .strict();
export type AcceptChange = z.infer<typeof AcceptChange>;

/** A pull request the server opened for an accepted revision. */
export const PullRequest = z.object({ url: z.string(), number: z.number().int() });
export type PullRequest = z.infer<typeof PullRequest>;

/** How to take an accepted change. */
export const AcceptedChange = z.object({
  patch_url: z.string(),
  /** e.g. `git fetch <url> garageswarm/1a2b3c4d-1 && git merge FETCH_HEAD`, when the branch was pushed. */
  merge_command: z.string().nullable(),
  /** `curl … | git apply`, for a branch only the server holds. */
  apply_command: z.string(),
  pull_request: PullRequest.nullable(),
});
export type AcceptedChange = z.infer<typeof AcceptedChange>;

/**
 * How to take a change: one wording for the server's accept answer and the dashboard's accepted view. The
 * merge command only for a pushed branch (quoted for a POSIX shell); the apply command through the CLI.
 */
export function acceptedChange(
  taskId: string,
  code: Pick<CodeResult, "pushed" | "repo_url" | "branch">,
): Omit<AcceptedChange, "pull_request"> {
  const quoted = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return {
    patch_url: `/api/v1/tasks/${taskId}/patch`,
    merge_command: code.pushed
      ? `git fetch ${quoted(code.repo_url)} ${quoted(code.branch)} && git merge --no-ff FETCH_HEAD`
      : null,
    apply_command: `garageswarm task patch ${taskId} | git apply --index`,
  };
}

/** A repository saved for reuse in the task form. */
export const SavedRepoCreate = z
  .object({
    name: storableText(100).pipe(z.string().trim().min(1, "is required")),
    url: RepoUrl,
    default_ref: GitRef.optional(),
    setup: RepoCommand.optional(),
    check: RepoCommand.optional(),
    push: z.boolean().default(false),
  })
  .strict();
export type SavedRepoCreate = z.infer<typeof SavedRepoCreate>;

export const SavedRepoPatch = z
  .object({
    name: storableText(100).pipe(z.string().trim().min(1, "is required")).optional(),
    url: RepoUrl.optional(),
    default_ref: GitRef.nullable().optional(),
    setup: RepoCommand.nullable().optional(),
    check: RepoCommand.nullable().optional(),
    push: z.boolean().optional(),
  })
  .strict()
  .refine((value) => Object.keys(value).length > 0, "must change at least one field");
export type SavedRepoPatch = z.infer<typeof SavedRepoPatch>;

export const SavedRepo = z.object({
  repo_id: Uuid,
  name: z.string(),
  url: z.string(),
  default_ref: z.string().nullable(),
  setup: z.string().nullable(),
  check: z.string().nullable(),
  push: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type SavedRepo = z.infer<typeof SavedRepo>;
