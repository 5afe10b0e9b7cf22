// A user's devices for Web Push: add (the browser's subscription), list, remove. Only the owner sees or
// removes a device; another user's id answers 404, as if it did not exist.
import { createPublicKey } from "node:crypto";
import type { PushDevice, PushSubscriptionCreate } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/store.ts";
import { ConflictError, InvalidInputError, NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { isAllowedPushEndpoint } from "./endpoint-policy.ts";
import * as q from "./queries.ts";

const USER_AGENT_MAX = 500;

export async function addDevice(
  resources: Resources,
  userId: string,
  input: PushSubscriptionCreate,
  meta: { ip?: string; userAgent?: string },
): Promise<PushDevice> {
  if (!isAllowedPushEndpoint(input.endpoint, resources.config.pushServiceOrigins)) {
    throw new InvalidInputError(
      "endpoint is not a push service this server sends to (a browser's own: FCM, Mozilla, Apple, Windows)",
      "body.endpoint",
    );
  }
  if (!isP256Point(input.keys.p256dh)) {
    throw new InvalidInputError("keys.p256dh is not a P-256 public key", "body.keys.p256dh");
  }
  const row = await resources.db.transaction(async (tx) => {
    const saved = await q.upsertSubscription(tx as Db, {
      user_id: userId,
      endpoint: input.endpoint,
      p256dh: input.keys.p256dh,
      auth: input.keys.auth,
      label: input.label ?? null,
      user_agent: meta.userAgent ? meta.userAgent.slice(0, USER_AGENT_MAX) : null,
    });
    if (!saved) return null;
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "push.subscribe",
      object_type: "push_subscription",
      object_id: saved.subscription_id,
      ip: meta.ip,
    });
    return saved;
  });
  if (!row) {
    throw new ConflictError(`at most ${q.MAX_DEVICES_PER_USER} devices get notifications; remove one first`);
  }
  return toDeviceView(row);
}

export async function listDevices(resources: Resources, userId: string): Promise<PushDevice[]> {
  return (await q.listSubscriptionsOfUser(resources.db, userId)).map(toDeviceView);
}

export async function removeDevice(
  resources: Resources,
  userId: string,
  subscriptionId: string,
  meta: { ip?: string },
) {
  const removed = await resources.db.transaction(async (tx) => {
    const found = await q.deleteSubscriptionOfUser(tx as Db, userId, subscriptionId);
    if (found) {
      await recordAudit(tx as Db, {
        user_id: userId,
        action: "push.unsubscribe",
        object_type: "push_subscription",
        object_id: subscriptionId,
        ip: meta.ip,
      });
    }
    return found;
  });
  if (!removed) throw new NotFoundError("device not found");
}

/** An uncompressed P-256 point (0x04 ‖ x ‖ y) that lies on the curve: anything else cannot be encrypted to. */
function isP256Point(base64url: string): boolean {
  const bytes = Buffer.from(base64url, "base64url");
  if (bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    createPublicKey({
      key: {
        kty: "EC",
        crv: "P-256",
        x: bytes.subarray(1, 33).toString("base64url"),
        y: bytes.subarray(33).toString("base64url"),
      },
      format: "jwk",
    });
    return true;
  } catch {
    return false;
  }
}

function toDeviceView(row: q.PushSubscriptionRow): PushDevice {
  return {
    subscription_id: row.subscription_id,
    endpoint: row.endpoint,
    label: row.label,
    user_agent: row.user_agent,
    created_at: row.created_at.toISOString(),
    last_success_at: row.last_success_at?.toISOString() ?? null,
  };
}
