// What a user does with their own tasks. Another user's task is indistinguishable from a missing one.

import { randomUUID } from "node:crypto";
import {
  type Task,
  type TaskAttempt,
  type TaskCreate,
  type TaskListPage,
  type TaskListQuery,
  type TaskPatch,
  TEXT_TOOLS,
  type ToolId,
} from "@garageswarm/protocol";
import { eq } from "drizzle-orm";
import { taskNeeds } from "../allocator/record-score.ts";
import { publish } from "../bus/channels.ts";
import { users } from "../db/schema.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import { cancelTask as cancelQueuedOrHeld } from "../queue/transitions/cancel.ts";
import { insertTasks } from "../queue/transitions/insert.ts";
import type { Resources } from "../resources.ts";
import { RUNNING_ROLES } from "../workers/membership.ts";
import { findMembership } from "../workers/queries.ts";
import { foldAttempts, listStatusEvents } from "./attempts.ts";
import { publishTaskUpdated } from "./events.ts";
import * as q from "./queries.ts";
import { toTaskViewOf, toTaskViews } from "./view.ts";

export async function createTask(resources: Resources, userId: string, input: TaskCreate): Promise<Task> {
  const [task] = await createTasks(resources, userId, [input], () => "body");
  if (!task) throw new Error("creating a task returned nothing");
  return task;
}

/**
 * Creates the tasks, all or none (one statement, insertTasks), and answers them in input order.
 * `fieldOf(i)`: how a problem names the i-th body (`body` alone, `body[3]` in a batch).
 */
export async function createTasks(
  resources: Resources,
  userId: string,
  inputs: readonly TaskCreate[],
  fieldOf: (index: number) => string = (index) => `body[${index}]`,
): Promise<Task[]> {
  const { db, clock } = resources;
  const now = clock.now();
  await checkPinnedWorkers(db, userId, inputs, fieldOf);
  await checkRetriedTasks(db, userId, inputs, fieldOf);
  const rows = await insertTasks(
    db,
    inputs.map((input) => {
      const tools = toolsOf(input.tool);
      return {
        task_id: randomUUID(),
        user_id: userId,
        description: input.description,
        prompt: input.prompt ?? input.description,
        tool: tools[0] as ToolId,
        tools,
        on_limit: input.on_limit,
        model: input.model ?? null,
        priority: input.priority,
        requirements: input.requirements,
        options: input.options,
        timeout_seconds: input.timeout_seconds,
        max_attempts: input.max_attempts,
        pinned_worker_id: input.worker_id ?? null,
        retry_of_task_id: input.retry_of ?? null,
        ...(input.repo ? { repo: input.repo, revision: 1, review_state: "unreviewed" as const } : {}),
        available_at: now,
        created_at: now,
        updated_at: now,
      };
    }),
  );
  await Promise.all(rows.map((row) => announceQueued(resources, row)));
  await Promise.all(rows.map((row) => publishTaskUpdated(resources, row)));
  return toTaskViews(db, rows, now);
}

/** Only a worker the user owns or accepted a share of (as operator or owner) may be pinned: an offer runs nothing. */
async function checkPinnedWorkers(
  db: Db,
  userId: string,
  inputs: readonly TaskCreate[],
  fieldOf: (index: number) => string,
): Promise<void> {
  const pinned = [...new Set(inputs.flatMap((input) => (input.worker_id ? [input.worker_id] : [])))];
  const refused = new Set<string>();
  for (const workerId of pinned) {
    const membership = await findMembership(db, userId, workerId);
    if (!membership || !RUNNING_ROLES.includes(membership.role)) refused.add(workerId);
  }
  if (refused.size === 0) return;
  const message = "no worker you may run tasks on has this id";
  const issues = inputs.flatMap((input, index) =>
    input.worker_id && refused.has(input.worker_id) ? [{ field: `${fieldOf(index)}.worker_id`, message }] : [],
  );
  throw new InvalidInputError(message, issues[0]?.field, issues);
}

/** A retry names a task of the user's own; another user's is indistinguishable from a missing one. */
async function checkRetriedTasks(
  db: Db,
  userId: string,
  inputs: readonly TaskCreate[],
  fieldOf: (index: number) => string,
): Promise<void> {
  const named = [...new Set(inputs.flatMap((input) => (input.retry_of ? [input.retry_of] : [])))];
  if (named.length === 0) return;
  const found = new Set(await q.findTaskIdsOfUser(db, userId, named));
  const message = "no task of yours has this id";
  const issues = inputs.flatMap((input, index) =>
    input.retry_of && !found.has(input.retry_of) ? [{ field: `${fieldOf(index)}.retry_of`, message }] : [],
  );
  if (issues.length > 0) throw new InvalidInputError(message, issues[0]?.field, issues);
}

/** A task's preference list: one tool, the list as given, or every text tool for `"any"`. */
export function toolsOf(choice: TaskCreate["tool"]): ToolId[] {
  if (choice === "any") return [...TEXT_TOOLS];
  return typeof choice === "string" ? [choice] : [...choice];
}

/** Wakes pullers and the dispatcher: a task they may be able to run is waiting. */
export function announceQueued(
  resources: Resources,
  row: q.TaskRow,
  { avoidWorkerId = null }: { avoidWorkerId?: string | null } = {},
): Promise<void> {
  return publish(resources.bus, "task.queued", {
    avoid_worker_id: avoidWorkerId,
    task_id: row.task_id,
    user_id: row.user_id,
    tools: row.tools,
    pinned_worker_id: row.pinned_worker_id,
    model: row.model,
    requirements: row.requirements,
    preferred_worker_id: taskNeeds(row).preferred_worker_id ?? null,
    repo_url: row.repo?.url ?? null,
  });
}

export async function getTask(resources: Resources, userId: string, taskId: string): Promise<Task> {
  const row = await q.findTaskOfUser(resources.db, userId, taskId);
  if (!row) throw new NotFoundError("task not found");
  return toTaskViewOf(resources.db, row, resources.clock.now());
}

/** The task's attempts, oldest first: worker, times, outcome, and who cancelled (tasks/attempts.ts). */
export async function listAttempts(resources: Resources, userId: string, taskId: string): Promise<TaskAttempt[]> {
  const row = await q.findTaskOfUser(resources.db, userId, taskId);
  if (!row) throw new NotFoundError("task not found");
  const [events, owner] = await Promise.all([
    listStatusEvents(resources.db, taskId),
    resources.db.select({ username: users.username }).from(users).where(eq(users.user_id, row.user_id)),
  ]);
  return foldAttempts(
    events,
    { user_id: row.user_id, username: owner[0]?.username ?? null },
    { attempt: row.attempt, status: row.status },
  );
}

export async function listTasks(resources: Resources, userId: string, query: TaskListQuery): Promise<TaskListPage> {
  const window = listWindow(query);
  // One extra row tells whether another page exists; the total is counted beside it.
  const [rows, total] = await Promise.all([
    q.listTasksOfUser(resources.db, userId, query, window, query.limit + 1),
    q.countTasksOfUser(resources.db, userId, query),
  ]);
  const pageRows = rows.slice(0, query.limit);
  const last = pageRows.at(-1);
  const more = rows.length > query.limit && last;
  return {
    items: await toTaskViews(resources.db, pageRows, resources.clock.now()),
    next_cursor: !more
      ? null
      : window.kind === "after"
        ? encodeCursor({ created_at: last.cursor_created_at, task_id: last.task_id })
        : encodeOffset(window.offset + query.limit),
    total,
  };
}

/**
 * Newest first follows a keyset cursor (stable under inserts); any other sort, or an explicit offset, skips
 * rows, and its cursor carries the offset (the sort travels in the query, as the next request repeats it).
 */
function listWindow(query: TaskListQuery): q.TaskListWindow {
  const keyset = query.sort === "created_at" && query.order === "desc" && query.offset === undefined;
  const offset = query.offset ?? 0;
  if (!query.cursor) {
    return keyset ? { kind: "after", cursor: null } : { kind: "offset", offset, sort: query.sort, order: query.order };
  }
  const decoded = decodeCursor(query.cursor);
  if ("offset" in decoded) return { kind: "offset", offset: decoded.offset, sort: query.sort, order: query.order };
  if (!keyset) throw new InvalidInputError("this cursor belongs to the newest-first order", "query.cursor");
  return { kind: "after", cursor: decoded };
}

export async function patchTask(resources: Resources, userId: string, taskId: string, patch: TaskPatch): Promise<Task> {
  const row = await q.patchTask(resources.db, userId, taskId, patch, resources.clock.now());
  if (row) return toTaskViewOf(resources.db, row, resources.clock.now());
  return explainRefusal(resources, userId, taskId, "updated");
}

export async function deleteTask(resources: Resources, userId: string, taskId: string): Promise<void> {
  if (await q.deleteTask(resources.db, userId, taskId)) {
    // Its output spill files go too, on whichever replica wrote them.
    await publish(resources.bus, "tasks.deleted", { task_ids: [taskId] });
    return;
  }
  await explainRefusal(resources, userId, taskId, "deleted");
}

/**
 * Cancels a live task. A queued one simply stops; a held one is marked cancelled here, and its worker is
 * told over the bus (and again at its next heartbeat, for pull-mode workers), so it kills the process.
 */
export async function cancelTask(resources: Resources, userId: string, taskId: string): Promise<Task> {
  const { db, clock } = resources;
  const now = clock.now();
  const row = await cancelQueuedOrHeld(db, userId, taskId, now, "cancelled by user", userId);
  if (!row) {
    const existing = await q.findTaskOfUser(db, userId, taskId);
    if (!existing) throw new NotFoundError("task not found");
    throw new ConflictError(`task is already ${existing.status}`);
  }
  if (row.worker_id) {
    await publish(resources.bus, "task.cancel", {
      task_id: row.task_id,
      worker_id: row.worker_id,
      reason: "cancelled by user",
    });
  }
  await publishTaskUpdated(resources, row);
  return toTaskViewOf(db, row, now);
}

async function explainRefusal(resources: Resources, userId: string, taskId: string, verb: string): Promise<never> {
  const existing = await q.findTaskOfUser(resources.db, userId, taskId);
  if (!existing) throw new NotFoundError("task not found");
  throw new ConflictError(`task is ${existing.status} on a worker and cannot be ${verb}; cancel it first`);
}

function encodeCursor(cursor: q.TaskCursor): string {
  return Buffer.from(`${cursor.created_at}|${cursor.task_id}`).toString("base64url");
}

function encodeOffset(offset: number): string {
  return Buffer.from(`@${offset}`).toString("base64url");
}

const CURSOR_PATTERN = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)\|([0-9a-f-]{36})$/;
const OFFSET_PATTERN = /^@(\d{1,6})$/;

function decodeCursor(raw: string): q.TaskCursor | { offset: number } {
  const text = Buffer.from(raw, "base64url").toString();
  const offset = OFFSET_PATTERN.exec(text);
  if (offset?.[1]) return { offset: Number(offset[1]) };
  const match = CURSOR_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) throw new InvalidInputError("invalid cursor", "query.cursor");
  return { created_at: match[1], task_id: match[2] };
}
