// SQL of code tasks' review: patches, review chains, comments, and the review's guarded transitions
// (unreviewed → changes_requested | accepted, protocol code.ts).
import type { PullRequest, ReviewCommentCreate, ReviewState } from "@garageswarm/protocol";
import { and, asc, eq, inArray, isNull, or, sql } from "drizzle-orm";
import { reviewComments, taskPatches, tasks, workers } from "../db/schema.ts";
import { type Db, selectRows } from "../db/store.ts";
import { HELD, principalActsAs } from "../queue/statements.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { mayRunTasksOn } from "../workers/membership.ts";

export type ReviewCommentRow = typeof reviewComments.$inferSelect;

export async function findPatchOfUser(db: Db, userId: string, taskId: string) {
  const [row] = await db
    .select({ patch: taskPatches.patch, bytes: taskPatches.bytes, sha256: taskPatches.sha256 })
    .from(taskPatches)
    .innerJoin(tasks, eq(tasks.task_id, taskPatches.task_id))
    .where(and(eq(taskPatches.task_id, taskId), eq(tasks.user_id, userId)));
  return row;
}

/**
 * The patch a follow-up continues from, for the worker holding the follow-up's current attempt (and only
 * while its owner still lets that worker run their tasks): the patch of the task it follows, or, for a
 * workflow node continuing an upstream node's change (no review follow-up), of its workspace's task.
 */
export async function findWorkspacePatch(
  db: Db,
  principalId: string,
  taskId: string,
  attemptToken: string,
): Promise<string | undefined> {
  const [row] = await selectRows<{ patch: string }>(
    db,
    sql`select p.patch from tasks join task_patches p
          on p.task_id = coalesce(tasks.follows_task_id, (tasks.workspace->>'from_task_id')::uuid)
        where tasks.task_id = ${taskId}::uuid and tasks.lease_token = ${attemptToken}::uuid
          and tasks.status in ${HELD} and ${principalActsAs(principalId, sql`tasks.worker_id`)}
          and ${mayRunTasksOn(sql`tasks.user_id`, sql`tasks.worker_id`)}`,
  );
  return row?.patch;
}

/** The review chain `rootTaskId` starts (revision 1 first): the root and every follow-up made from it. */
export function findChain(db: Db, userId: string, rootTaskId: string): Promise<TaskRow[]> {
  return db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.user_id, userId),
        or(eq(tasks.task_id, rootTaskId), sql`${tasks.workspace}->>'root_task_id' = ${rootTaskId}`),
      ),
    )
    .orderBy(asc(tasks.revision), asc(tasks.created_at));
}

export function listComments(db: Db, taskId: string): Promise<ReviewCommentRow[]> {
  return db
    .select()
    .from(reviewComments)
    .where(eq(reviewComments.task_id, taskId))
    .orderBy(asc(reviewComments.created_at), asc(reviewComments.comment_id));
}

export async function insertComment(
  db: Db,
  taskId: string,
  userId: string,
  comment: ReviewCommentCreate,
  now: Date,
): Promise<ReviewCommentRow> {
  const [row] = await db
    .insert(reviewComments)
    .values({
      task_id: taskId,
      user_id: userId,
      body: comment.body,
      path: comment.path ?? null,
      line: comment.line ?? null,
      side: comment.side,
      created_at: now,
    })
    .returning();
  if (!row) throw new Error("inserting a review comment returned nothing");
  return row;
}

/** Deletes a draft (a sent comment is part of the record); true when one went. */
export async function deleteDraftComment(db: Db, taskId: string, commentId: string): Promise<boolean> {
  const deleted = await db
    .delete(reviewComments)
    .where(
      and(
        eq(reviewComments.comment_id, commentId),
        eq(reviewComments.task_id, taskId),
        isNull(reviewComments.sent_in_task_id),
      ),
    )
    .returning({ comment_id: reviewComments.comment_id });
  return deleted.length > 0;
}

export async function findComment(db: Db, taskId: string, commentId: string): Promise<ReviewCommentRow | undefined> {
  const [row] = await db
    .select()
    .from(reviewComments)
    .where(and(eq(reviewComments.comment_id, commentId), eq(reviewComments.task_id, taskId)));
  return row;
}

/** The drafts of a revision, marked sent in its follow-up; returned as they were written. */
export function sendDrafts(db: Db, taskId: string, followUpTaskId: string): Promise<ReviewCommentRow[]> {
  return db
    .update(reviewComments)
    .set({ sent_in_task_id: followUpTaskId })
    .where(and(eq(reviewComments.task_id, taskId), isNull(reviewComments.sent_in_task_id)))
    .returning();
}

/**
 * unreviewed → `to`, only for the user's completed code task that reported a change: the guard is the
 * UPDATE's WHERE, so two reviews racing on one revision settle in the database (one wins).
 */
export async function setReviewState(
  db: Db,
  userId: string,
  taskId: string,
  to: Exclude<ReviewState, "unreviewed">,
  now: Date,
  pullRequest: PullRequest | null = null,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .update(tasks)
    .set({ review_state: to, updated_at: now, ...(pullRequest ? { pull_request: pullRequest } : {}) })
    .where(
      and(
        eq(tasks.task_id, taskId),
        eq(tasks.user_id, userId),
        eq(tasks.status, "completed"),
        eq(tasks.review_state, "unreviewed"),
        sql`${tasks.result}->'code' is not null`,
      ),
    )
    .returning();
  return row;
}

/** Whether the worker is online now (a follow-up goes back to it, to resume the agent's session there). */
export async function isWorkerOnline(db: Db, workerId: string): Promise<boolean> {
  const [row] = await db
    .select({ worker_id: workers.worker_id })
    .from(workers)
    .where(and(inArray(workers.worker_id, [workerId]), eq(workers.status, "online")));
  return row !== undefined;
}
