// Sharing a worker, by consent: a share is an offer, and a role counts only once its recipient accepted it
// (membership.ts). The owner offers; the recipient accepts or declines; either side may end a share, and the
// member's tasks the worker holds then go back to the queue. Answers never tell the owner whether a user
// exists or has a pending offer. Every step is audited.
import type {
  Worker,
  WorkerMember,
  WorkerOffer,
  WorkerRole,
  WorkerShare,
  WorkerShareAnswer,
} from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { publish } from "../bus/channels.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, NotFoundError } from "../errors.ts";
import { handBackTasksOfMember } from "../queue/transitions/offers.ts";
import type { Resources } from "../resources.ts";
import { publishTaskUpdated } from "../tasks/events.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { announceQueued } from "../tasks/service.ts";
import { RUNNING_ROLES } from "./membership.ts";
import * as q from "./queries.ts";
import { accessWorker, publishWorkerUpdated } from "./service.ts";
import { toWorkerView } from "./view.ts";

const ROLE_RANK: Record<WorkerRole, number> = { viewer: 0, operator: 1, owner: 2 };

/**
 * Offers the worker to a user (owner only). Nothing is granted until the recipient accepts. The answer is
 * `offered` whether or not the user exists (nothing is stored for one that does not), so the owner cannot
 * probe for usernames or ids. An accepted member's role is narrowed in place (`accepted`); widening it is a
 * new offer, and the member holds nothing on the worker until they accept it again.
 */
export async function shareWorker(
  resources: Resources,
  userId: string,
  workerId: string,
  share: WorkerShare,
  meta: { ip?: string },
): Promise<WorkerShareAnswer> {
  const worker = await accessWorker(resources, userId, workerId, ["owner"]);
  const { db, clock } = resources;
  const memberId = share.user_id
    ? (await q.userExists(db, share.user_id))
      ? share.user_id
      : undefined
    : await q.findUserIdByUsername(db, share.username ?? "");
  if (memberId === worker.owner_user_id) {
    throw new ConflictError("the worker's registering owner keeps the owner role");
  }
  if (memberId === userId) throw new ConflictError("you already hold the owner role on this worker");
  const audit = (tx: Db, action: string, detail: Record<string, unknown>) =>
    recordAudit(tx, { user_id: userId, action, object_type: "worker", object_id: workerId, ip: meta.ip, detail });
  if (!memberId) {
    // Recorded for the operator (someone probing names shows up here), answered like any offer.
    await audit(db, "worker.share.unknown_user", { role: share.role });
    return { status: "offered" };
  }
  const { answer, handedBack } = await db.transaction(async (tx) => {
    const existing = await q.findShareRow(tx as Db, memberId, workerId);
    if (existing?.status === "accepted" && ROLE_RANK[share.role] <= ROLE_RANK[existing.role]) {
      await q.setAcceptedRole(tx as Db, workerId, memberId, share.role);
      await audit(tx as Db, "worker.share.narrow", { member_user_id: memberId, from: existing.role, role: share.role });
      const lostRunning = RUNNING_ROLES.includes(existing.role) && !RUNNING_ROLES.includes(share.role);
      const handed = lostRunning ? await handBack(tx as Db, resources, workerId, memberId, "narrowed") : [];
      return { answer: { status: "accepted" as const }, handedBack: handed };
    }
    await q.upsertOffer(tx as Db, {
      userId: memberId,
      workerId,
      role: share.role,
      offeredBy: userId,
      now: clock.now(),
    });
    await audit(tx as Db, "worker.share.offer", {
      member_user_id: memberId,
      role: share.role,
      ...(existing ? { replaces: `${existing.status} ${existing.role}` } : {}),
    });
    // Widening an accepted role makes it an offer again: until then the member's tasks do not run here.
    const handed =
      existing?.status === "accepted" ? await handBack(tx as Db, resources, workerId, memberId, "re-offered") : [];
    return { answer: { status: "offered" as const }, handedBack: handed };
  });
  await announceHandedBack(resources, workerId, handedBack);
  if (answer.status === "accepted" || handedBack.length > 0) await publishWorkerUpdated(resources, worker);
  return answer;
}

/** The recipient accepts an offer: from now on the worker may run their tasks (per the offered role). */
export async function acceptShare(
  resources: Resources,
  userId: string,
  workerId: string,
  meta: { ip?: string },
): Promise<Worker> {
  const { db, clock } = resources;
  const accepted = await db.transaction(async (tx) => {
    const done = await q.acceptOffer(tx as Db, workerId, userId, clock.now());
    if (done) {
      await recordAudit(tx as Db, {
        user_id: userId,
        action: "worker.share.accept",
        object_type: "worker",
        object_id: workerId,
        ip: meta.ip,
      });
    }
    return done;
  });
  if (!accepted) throw new NotFoundError("no offer of this worker is waiting for you");
  const worker = await accessWorker(resources, userId, workerId);
  // The owner's dashboard shows the new member at once (its feed refreshes the worker's members).
  await publishWorkerUpdated(resources, worker);
  return toWorkerView(worker, worker);
}

/** The recipient declines an offer: it is removed, and nothing of theirs ever ran on the worker. */
export async function declineShare(
  resources: Resources,
  userId: string,
  workerId: string,
  meta: { ip?: string },
): Promise<void> {
  const declined = await resources.db.transaction(async (tx) => {
    const done = await q.deleteOffer(tx as Db, workerId, userId);
    if (done) {
      await recordAudit(tx as Db, {
        user_id: userId,
        action: "worker.share.decline",
        object_type: "worker",
        object_id: workerId,
        ip: meta.ip,
      });
    }
    return done;
  });
  if (!declined) throw new NotFoundError("no offer of this worker is waiting for you");
}

export async function listOffers(resources: Resources, userId: string): Promise<WorkerOffer[]> {
  const rows = await q.listOffersFor(resources.db, userId);
  return rows.map((row) => ({
    ...row,
    offered_at: row.offered_at.toISOString(),
  }));
}

/**
 * Ends a share: the owner removes anyone but the registering owner, and any member (or recipient of an
 * offer) removes themselves. The member's tasks the worker holds go back to the queue at once. The owner's
 * answer is the same whether or not the user had a row, so it reveals nothing about pending offers.
 */
export async function unshareWorker(
  resources: Resources,
  userId: string,
  workerId: string,
  memberId: string,
  meta: { ip?: string },
): Promise<void> {
  const leaving = memberId === userId;
  if (leaving) {
    const row = await q.findShareRow(resources.db, userId, workerId);
    if (!row) throw new NotFoundError("worker not found");
  } else {
    await accessWorker(resources, userId, workerId, ["owner"]);
  }
  const worker = await q.findWorkerRow(resources.db, workerId);
  if (!worker) throw new NotFoundError("worker not found");
  if (memberId === worker.owner_user_id) throw new ConflictError("the worker's registering owner cannot be removed");
  const handedBack = await resources.db.transaction(async (tx) => {
    const removed = await q.deleteMembership(tx as Db, workerId, memberId);
    if (!removed) return [];
    await recordAudit(tx as Db, {
      user_id: userId,
      action: leaving ? "worker.share.leave" : "worker.unshare",
      object_type: "worker",
      object_id: workerId,
      ip: meta.ip,
      detail: { member_user_id: memberId, role: removed.role, status: removed.status },
    });
    return removed.status === "accepted"
      ? handBack(tx as Db, resources, workerId, memberId, leaving ? "left" : "ended")
      : [];
  });
  await announceHandedBack(resources, workerId, handedBack);
  await publishWorkerUpdated(resources, worker);
}

/** Hands back the member's tasks the worker holds (same transaction as the change of membership). */
function handBack(tx: Db, resources: Resources, workerId: string, memberId: string, how: string) {
  const reason = `the share of the worker was ${how}: handed back`;
  return handBackTasksOfMember(tx, workerId, memberId, resources.clock.now(), reason);
}

/** The worker is told to stop each handed-back task; the queued ones are offered to other workers. */
async function announceHandedBack(resources: Resources, workerId: string, rows: TaskRow[]): Promise<void> {
  for (const row of rows) {
    await publish(resources.bus, "task.cancel", {
      task_id: row.task_id,
      worker_id: workerId,
      reason: "the share of this worker ended",
    });
    await publishTaskUpdated(resources, row);
    if (row.status === "queued") await announceQueued(resources, row, { avoidWorkerId: workerId });
  }
}

/** Accepted members only, for any accepted member to see: pending offers stay between owner and recipient. */
export async function listMembers(resources: Resources, userId: string, workerId: string): Promise<WorkerMember[]> {
  await accessWorker(resources, userId, workerId);
  const rows = await q.listMembers(resources.db, workerId);
  return rows.map((row) => ({
    user_id: row.user_id,
    username: row.username,
    role: row.role,
    created_at: row.created_at.toISOString(),
    accepted_at: row.accepted_at?.toISOString() ?? null,
  }));
}
