// User administration (admins only; the routes check that). Disabling takes effect at once everywhere:
// authentication reads `users.is_active` on every request and socket upgrade, the user's refresh-token
// families are revoked, their open sockets (on every replica) are closed through the bus, and their
// workers go offline with their leases ended, so nothing more is handed to them. Their API keys are kept
// but refused while the user is disabled, and work again after re-enabling; sessions do not come back.
import type { AdminUserCreate, Invite, InviteCreate, InviteCreated, User } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { hashPassword } from "../auth/passwords.ts";
import * as authQueries from "../auth/queries.ts";
import { randomSecret, sha256 } from "../auth/secrets.ts";
import { toUserView } from "../auth/users-view.ts";
import { publish } from "../bus/channels.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";

export const INVITE_PREFIX = "gsi_";
const INVITES_LISTED = 200;

interface Actor {
  user_id: string;
}

export async function listUsers(resources: Resources): Promise<User[]> {
  return (await q.listUsers(resources.db)).map(toUserView);
}

export async function createUser(
  resources: Resources,
  actor: Actor,
  input: AdminUserCreate,
  meta: { ip?: string },
): Promise<User> {
  const password_hash = await hashPassword(input.password);
  const user = await resources.db.transaction(async (tx) => {
    const row = await authQueries.insertUser(tx as Db, { ...input, password_hash });
    if (!row) throw new ConflictError("a user with this username or email already exists", "body.username");
    await recordAudit(tx as Db, {
      user_id: actor.user_id,
      action: "admin.user_create",
      object_type: "user",
      object_id: row.user_id,
      ip: meta.ip,
      detail: { is_admin: row.is_admin },
    });
    return row;
  });
  return toUserView(user);
}

/** Disables or re-enables a user. An admin cannot disable themselves, nor the last active admin. */
export async function setUserActive(
  resources: Resources,
  actor: Actor,
  userId: string,
  active: boolean,
  meta: { ip?: string },
): Promise<User> {
  const { db, clock, bus } = resources;
  const now = clock.now();
  if (!active && userId === actor.user_id) {
    throw new ConflictError("you cannot disable your own account; ask another administrator");
  }
  const outcome = await db.transaction(async (tx) => {
    const t = tx as Db;
    // Locked first: concurrent disables of two admins serialise here, and the second sees the first's.
    const activeAdmins = await q.lockActiveAdmins(t);
    // The actor may have been disabled since this request was authenticated (by the admin it is disabling).
    if (!activeAdmins.includes(actor.user_id)) throw new ForbiddenError("only an active administrator may do this");
    const target = await authQueries.findUserById(t, userId);
    if (!target) throw new NotFoundError("user not found");
    if (!active && target.is_admin && activeAdmins.length === 1 && activeAdmins[0] === userId) {
      throw new ConflictError("this is the last active administrator: make another user an administrator first");
    }
    const row = await q.setActive(t, userId, active, now);
    if (!row) throw new NotFoundError("user not found");
    let offline: Awaited<ReturnType<typeof q.takeWorkersOffline>> = [];
    if (!active) {
      await authQueries.revokeOtherFamilies(t, userId, null, now);
      offline = await q.takeWorkersOffline(t, userId, now);
    }
    await recordAudit(t, {
      user_id: actor.user_id,
      action: active ? "admin.user_enable" : "admin.user_disable",
      object_type: "user",
      object_id: userId,
      ip: meta.ip,
    });
    return { row, offline };
  });
  if (!active) {
    await publish(bus, "user.disabled", { user_id: userId });
    for (const worker of outcome.offline) {
      await publish(bus, "worker.updated", {
        worker_id: worker.worker_id,
        owner_user_id: userId,
        status: "offline",
        draining: worker.draining,
      });
    }
  }
  return toUserView(outcome.row);
}

export async function createInvite(
  resources: Resources,
  actor: Actor,
  input: InviteCreate,
  meta: { ip?: string },
): Promise<InviteCreated> {
  const { db, clock } = resources;
  const token = randomSecret(INVITE_PREFIX);
  const expiresAt = new Date(clock.now().getTime() + input.expires_in_hours * 3600 * 1000);
  const row = await db.transaction(async (tx) => {
    const inserted = await q.insertInvite(tx as Db, {
      token_hash: sha256(token),
      created_by_user_id: actor.user_id,
      email: input.email ?? null,
      expires_at: expiresAt,
    });
    await recordAudit(tx as Db, {
      user_id: actor.user_id,
      action: "admin.invite_create",
      object_type: "invite",
      object_id: inserted.invite_id,
      ip: meta.ip,
    });
    return inserted;
  });
  return { ...toInviteView(row, clock.now()), token };
}

export async function listInvites(resources: Resources): Promise<Invite[]> {
  const now = resources.clock.now();
  return (await q.listInvites(resources.db, INVITES_LISTED)).map((row) => toInviteView(row, now));
}

export async function revokeInvite(resources: Resources, actor: Actor, inviteId: string, meta: { ip?: string }) {
  const { db, clock } = resources;
  const row = await db.transaction(async (tx) => {
    const revoked = await q.revokeInvite(tx as Db, inviteId, clock.now());
    if (revoked?.revoked_at) {
      await recordAudit(tx as Db, {
        user_id: actor.user_id,
        action: "admin.invite_revoke",
        object_type: "invite",
        object_id: inviteId,
        ip: meta.ip,
      });
    }
    return revoked;
  });
  if (!row) throw new NotFoundError("invite not found");
  if (!row.revoked_at) throw new ConflictError("the invite was already used; disable the user instead");
}

function toInviteView(row: q.InviteRow, now: Date): Invite {
  const status = row.used_at ? "used" : row.revoked_at ? "revoked" : row.expires_at <= now ? "expired" : "pending";
  return {
    invite_id: row.invite_id,
    email: row.email,
    status,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    used_at: row.used_at?.toISOString() ?? null,
    used_by_user_id: row.used_by_user_id,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
