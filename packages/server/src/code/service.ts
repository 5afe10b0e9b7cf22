// Reviewing a code task's change: its patch, its review chain, comments, and the two verdicts. "Request
// changes" makes the follow-up task that produces the next revision: same tool, same repository, on the
// branch of the revision under review; on the same worker, resuming the agent's session, when that worker
// is online (Claude Code and Codex keep their sessions on the machine), else anywhere, starting afresh from
// the stored patch or the pushed branch.
import { randomUUID } from "node:crypto";
import {
  type AcceptChange,
  type AcceptedChange,
  acceptedChange,
  type CodeResult,
  type PullRequest,
  type RequestChanges,
  type ReviewComment,
  type ReviewCommentCreate,
  type Task,
  type TaskWorkspace,
} from "@garageswarm/protocol";
import type { ResumableSession } from "../db/schema.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import { insertTasks } from "../queue/transitions/insert.ts";
import type { Resources } from "../resources.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import { findTaskOfUser, type TaskRow } from "../tasks/queries.ts";
import { announceQueued } from "../tasks/service.ts";
import { toTaskViewOf, toTaskViews } from "../tasks/view.ts";
import { RUNNING_ROLES } from "../workers/membership.ts";
import { findMembership } from "../workers/queries.ts";
import { followUpPrompt } from "./follow-up-prompt.ts";
import { openPullRequest, repoOnForge } from "./forge.ts";
import * as q from "./queries.ts";

export async function getPatch(resources: Resources, userId: string, taskId: string): Promise<string> {
  const found = await q.findPatchOfUser(resources.db, userId, taskId);
  if (found) return found.patch;
  const task = await findTaskOfUser(resources.db, userId, taskId);
  if (!task) throw new NotFoundError("task not found");
  throw new NotFoundError(task.repo ? `task is ${task.status} and has no stored patch` : "task is not a code task");
}

export async function getWorkspacePatch(
  resources: Resources,
  principalId: string,
  taskId: string,
  attemptToken: string,
): Promise<string> {
  const patch = await q.findWorkspacePatch(resources.db, principalId, taskId, attemptToken);
  if (patch === undefined) throw new NotFoundError("no stored patch for an attempt this worker holds");
  return patch;
}

/** The review chain the task belongs to, revision 1 first. */
export async function listRevisions(resources: Resources, userId: string, taskId: string): Promise<Task[]> {
  const task = await findCodeTask(resources, userId, taskId);
  const rows = await q.findChain(resources.db, userId, rootOf(task));
  return toTaskViews(resources.db, rows, resources.clock.now());
}

export async function listComments(resources: Resources, userId: string, taskId: string): Promise<ReviewComment[]> {
  await findCodeTask(resources, userId, taskId);
  return (await q.listComments(resources.db, taskId)).map(toCommentView);
}

export async function addComment(
  resources: Resources,
  userId: string,
  taskId: string,
  comment: ReviewCommentCreate,
): Promise<ReviewComment> {
  const task = await findCodeTask(resources, userId, taskId);
  const code = reviewableCode(task);
  if (
    comment.path !== undefined &&
    !code.files.some((file) => file.path === comment.path || file.old_path === comment.path)
  ) {
    throw new InvalidInputError(`${comment.path} is not a file of this change`, "body.path");
  }
  return toCommentView(await q.insertComment(resources.db, taskId, userId, comment, resources.clock.now()));
}

export async function deleteComment(
  resources: Resources,
  userId: string,
  taskId: string,
  commentId: string,
): Promise<void> {
  await findCodeTask(resources, userId, taskId);
  if (await q.deleteDraftComment(resources.db, taskId, commentId)) return;
  const found = await q.findComment(resources.db, taskId, commentId);
  if (!found) throw new NotFoundError("comment not found");
  throw new ConflictError("the comment was sent to the agent already and is part of the review's record");
}

/**
 * unreviewed → changes_requested, the drafts (and `message`) sent in a new follow-up task: one transaction,
 * so a failure leaves the revision unreviewed with its drafts, and two requests racing make one follow-up.
 */
export async function requestChanges(
  resources: Resources,
  userId: string,
  taskId: string,
  body: RequestChanges,
): Promise<Task> {
  const { db, clock } = resources;
  const now = clock.now();
  const task = await findCodeTask(resources, userId, taskId);
  const code = reviewableCode(task);
  const repo = task.repo;
  if (!repo) throw new ConflictError("task is not a code task");
  const sameWorker = await resumableWorker(resources, task);
  const { reviewed, followUp } = await db.transaction(async (tx) => {
    const reviewed = await q.setReviewState(tx, userId, taskId, "changes_requested", now);
    if (!reviewed) throw new ConflictError(`revision ${task.revision} was reviewed already`);
    const drafts = await q.listComments(tx, taskId);
    const pending = drafts.filter((comment) => comment.sent_in_task_id === null);
    if (pending.length === 0 && body.message === undefined) {
      throw new InvalidInputError("there is nothing to send: add a comment or a message", "body.message");
    }
    const followUpId = randomUUID();
    const workspace: TaskWorkspace = {
      from_task_id: task.task_id,
      root_task_id: rootOf(task),
      branch: code.branch,
      base_sha: code.base_sha,
      head_sha: code.head_sha,
      pushed: code.pushed,
    };
    const revision = (task.revision ?? 1) + 1;
    const [followUp] = await insertTasks(tx, [
      {
        task_id: followUpId,
        user_id: userId,
        description: `Review round ${revision - 1}: ${task.description}`.slice(0, 10_000),
        prompt: followUpPrompt({
          originalPrompt: task.prompt,
          code,
          revision: task.revision ?? 1,
          message: body.message,
          comments: pending,
        }),
        tool: task.tool,
        tools: [task.tool],
        on_limit: task.on_limit,
        model: task.model,
        priority: task.priority,
        requirements: task.requirements,
        options: task.options,
        timeout_seconds: task.timeout_seconds,
        max_attempts: task.max_attempts,
        repo,
        workspace,
        follows_task_id: task.task_id,
        revision,
        review_state: "unreviewed",
        pinned_worker_id: sameWorker?.worker_id ?? null,
        resume: sameWorker,
        available_at: now,
        created_at: now,
        updated_at: now,
      },
    ]);
    if (!followUp) throw new Error("inserting the follow-up returned nothing");
    await q.sendDrafts(tx, taskId, followUpId);
    return { reviewed, followUp };
  });
  await publishTaskUpdated(resources, reviewed);
  await publishTaskUpdated(resources, followUp);
  await announceQueued(resources, followUp);
  return toTaskViewOf(db, followUp, now);
}

/**
 * unreviewed → accepted; answers how to take the change. With `open_pull_request`, the forge's pull request
 * is opened first (a forge that fails leaves the revision unreviewed, to try again) and kept on the task.
 */
export async function accept(
  resources: Resources,
  userId: string,
  taskId: string,
  body: AcceptChange,
): Promise<AcceptedChange> {
  const task = await findCodeTask(resources, userId, taskId);
  const code = reviewableCode(task);
  if (task.review_state !== "unreviewed") throw new ConflictError(`revision ${task.revision} was reviewed already`);
  const pullRequest = body.open_pull_request ? await openPullRequestFor(resources, task, code) : null;
  const accepted = await q.setReviewState(resources.db, userId, taskId, "accepted", resources.clock.now(), pullRequest);
  if (!accepted) throw new ConflictError(`revision ${task.revision} was reviewed already`);
  await publishTaskUpdated(resources, accepted);
  return { ...acceptedChange(task.task_id, code), pull_request: pullRequest };
}

async function openPullRequestFor(resources: Resources, task: TaskRow, code: CodeResult): Promise<PullRequest> {
  if (!code.pushed) {
    throw new ConflictError(
      "the branch was not pushed, so no pull request can be opened: turn on push for the repository",
    );
  }
  const repo = repoOnForge(code.repo_url, resources.config.forges);
  if (!repo) {
    throw new ConflictError(
      `no forge is configured for ${code.repo_url}: the server's operator lists forges in GARAGESWARM_FORGES`,
      "body.open_pull_request",
    );
  }
  const checked = code.check
    ? `\n\nCheck \`${code.check.command}\`: ${code.check.exit_code === 0 ? "passed" : `exit ${code.check.exit_code ?? "killed"}`}.`
    : "";
  const body =
    `Made by a GarageSwarm ${task.tool} task (revision ${task.revision}), accepted in review.\n\n` +
    `${code.files.length} file(s), +${code.additions} −${code.deletions}.${checked}\n\n${task.prompt.slice(0, 4_000)}`;
  return openPullRequest(repo, code, task.description, body);
}

async function findCodeTask(resources: Resources, userId: string, taskId: string): Promise<TaskRow> {
  const task = await findTaskOfUser(resources.db, userId, taskId);
  if (!task) throw new NotFoundError("task not found");
  if (!task.repo) throw new ConflictError("task is not a code task (it names no repository)");
  return task;
}

/** The change a completed code task reported; a task without one has nothing to review yet. */
function reviewableCode(task: TaskRow): CodeResult {
  const code = task.result?.code;
  if (task.status !== "completed" || !code) {
    throw new ConflictError(`task is ${task.status} and has no change to review`);
  }
  return code;
}

function rootOf(task: TaskRow): string {
  return task.workspace?.root_task_id ?? task.task_id;
}

/**
 * The worker (and agent session) a follow-up resumes: the one that made the revision, when it is online,
 * the user may still run tasks on it, and the tool reported a session. Null: a fresh session anywhere.
 */
async function resumableWorker(resources: Resources, task: TaskRow): Promise<ResumableSession | null> {
  const sessionId = task.result?.detail?.session_id;
  if (!task.worker_id || typeof sessionId !== "string" || sessionId === "") return null;
  if (!(await q.isWorkerOnline(resources.db, task.worker_id))) return null;
  const membership = await findMembership(resources.db, task.user_id, task.worker_id);
  if (!membership || !RUNNING_ROLES.includes(membership.role)) return null;
  return { worker_id: task.worker_id, tool: task.tool, session_id: sessionId, turn: "prompt" };
}

function toCommentView(row: q.ReviewCommentRow): ReviewComment {
  return {
    comment_id: row.comment_id,
    task_id: row.task_id,
    user_id: row.user_id,
    body: row.body,
    path: row.path,
    line: row.line,
    side: row.side,
    sent_in_task_id: row.sent_in_task_id,
    created_at: row.created_at.toISOString(),
  };
}
