// The push_subscriptions table: a user's devices. Every read and write names the user, so no query here
// can reach another user's row.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import { pushSubscriptions } from "../db/schema.ts";
import { type Db, selectRows } from "../db/store.ts";

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/** Devices one user may have: each notification fans out to all of them. */
export const MAX_DEVICES_PER_USER = 20;

/**
 * Adds the device, or refreshes its keys and names when the user already has this endpoint (a browser that
 * subscribes again). Null when the user is at MAX_DEVICES_PER_USER; one statement, so two racing requests
 * cannot leave a half-made row.
 */
export async function upsertSubscription(
  db: Db,
  values: {
    user_id: string;
    endpoint: string;
    p256dh: string;
    auth: string;
    label: string | null;
    user_agent: string | null;
  },
): Promise<PushSubscriptionRow | null> {
  const rows = await selectRows<{ subscription_id: string }>(
    db,
    sql`
    insert into push_subscriptions (user_id, endpoint, p256dh, auth, label, user_agent)
    select ${values.user_id}::uuid, ${values.endpoint}, ${values.p256dh}, ${values.auth}, ${values.label}, ${values.user_agent}
    where (select count(*) from push_subscriptions where user_id = ${values.user_id}::uuid) < ${MAX_DEVICES_PER_USER}
       or exists (select 1 from push_subscriptions where user_id = ${values.user_id}::uuid and endpoint = ${values.endpoint})
    on conflict (user_id, endpoint) do update
      set p256dh = excluded.p256dh, auth = excluded.auth,
          label = coalesce(excluded.label, push_subscriptions.label), user_agent = excluded.user_agent
    returning subscription_id`,
  );
  const id = rows[0]?.subscription_id;
  if (!id) return null;
  const [row] = await db.select().from(pushSubscriptions).where(eq(pushSubscriptions.subscription_id, id));
  return row ?? null;
}

export function listSubscriptionsOfUser(db: Db, userId: string): Promise<PushSubscriptionRow[]> {
  return db
    .select()
    .from(pushSubscriptions)
    .where(eq(pushSubscriptions.user_id, userId))
    .orderBy(desc(pushSubscriptions.created_at), desc(pushSubscriptions.subscription_id));
}

/** True when the user had that device. */
export async function deleteSubscriptionOfUser(db: Db, userId: string, subscriptionId: string): Promise<boolean> {
  const deleted = await db
    .delete(pushSubscriptions)
    .where(and(eq(pushSubscriptions.user_id, userId), eq(pushSubscriptions.subscription_id, subscriptionId)))
    .returning({ subscription_id: pushSubscriptions.subscription_id });
  return deleted.length > 0;
}

/** The push service said the endpoint is gone (404/410): the device unsubscribed or expired. */
export async function deleteSubscriptions(db: Db, subscriptionIds: string[]): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.subscription_id, subscriptionIds));
}

export async function markDelivered(db: Db, subscriptionIds: string[], now: Date): Promise<void> {
  if (subscriptionIds.length === 0) return;
  await db
    .update(pushSubscriptions)
    .set({ last_success_at: now })
    .where(inArray(pushSubscriptions.subscription_id, subscriptionIds));
}
