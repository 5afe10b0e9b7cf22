// Sends Web Push notifications to a user's devices, off the path of whatever triggered them: `notify`
// returns at once, and a slow or dead push service delays nobody's request or engine step. Each device gets
// the message encrypted to its keys (RFC 8291, aes128gcm) and signed with the server's VAPID key (RFC 8292);
// `web-push` builds the request, and it goes out with fetch, without following redirects (a push service
// never redirects, and a redirect could point the server anywhere). A 404 or 410 means the device is gone:
// its row is removed.
import type { PushMessage } from "@garageswarm/protocol";
import type { Logger } from "pino";
import webpush from "web-push";
import type { Clock } from "../clock.ts";
import type { ServerConfig } from "../config.ts";
import type { Db } from "../db/store.ts";
import * as q from "./queries.ts";
import type { VapidKeys } from "./vapid-keys.ts";

/** How long a push service has to take a notification before the send is given up. */
const SEND_TIMEOUT_MS = 10_000;
/** Kept by the push service while the device is offline: a day, then the notice is stale. */
const TIME_TO_LIVE_SECONDS = 24 * 3600;

export interface PushNotifier {
  /** Sends in the background; the message is built there too (it may read names from the database). */
  notify(userId: string, message: () => Promise<PushMessage | null> | PushMessage | null): void;
  /** Waits for the sends under way (on shutdown, before the store closes; tests, to read their effect). */
  settled(): Promise<void>;
}

export interface NotifierParts {
  db: Db;
  clock: Clock;
  log: Logger;
  config: Pick<ServerConfig, "pushContact">;
  vapidKeys: VapidKeys;
}

export function createPushNotifier(parts: NotifierParts): PushNotifier {
  const inFlight = new Set<Promise<void>>();
  return {
    notify(userId, message) {
      const sending = Promise.resolve()
        .then(async () => {
          const built = await message();
          if (built) await sendToDevices(parts, userId, built);
        })
        .catch((error: unknown) => parts.log.warn({ err: error, user_id: userId }, "push notification not sent"))
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
    },
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

async function sendToDevices(parts: NotifierParts, userId: string, message: PushMessage): Promise<void> {
  const devices = await q.listSubscriptionsOfUser(parts.db, userId);
  if (devices.length === 0) return;
  const payload = JSON.stringify(message);
  const outcomes = await Promise.all(devices.map((device) => sendOne(parts, device, payload)));
  const delivered = devices.filter((_, index) => outcomes[index] === "delivered").map((d) => d.subscription_id);
  const gone = devices.filter((_, index) => outcomes[index] === "gone").map((d) => d.subscription_id);
  await q.markDelivered(parts.db, delivered, parts.clock.now());
  await q.deleteSubscriptions(parts.db, gone);
}

type Outcome = "delivered" | "gone" | "failed";

async function sendOne(parts: NotifierParts, device: q.PushSubscriptionRow, payload: string): Promise<Outcome> {
  try {
    const request = webpush.generateRequestDetails(
      { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
      payload,
      {
        vapidDetails: {
          subject: parts.config.pushContact,
          publicKey: parts.vapidKeys.public_key,
          privateKey: parts.vapidKeys.private_key,
        },
        TTL: TIME_TO_LIVE_SECONDS,
        contentEncoding: "aes128gcm",
        urgency: "high",
      },
    );
    // fetch sets the length from the body itself.
    const { "Content-Length": _length, ...headers } = request.headers as Record<string, string | number>;
    const response = await fetch(request.endpoint, {
      method: request.method,
      headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)])),
      body: request.body ?? undefined,
      redirect: "error",
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.ok) return "delivered";
    if (response.status === 404 || response.status === 410) return "gone";
    parts.log.warn(
      { subscription_id: device.subscription_id, status: response.status },
      "push service refused a notification",
    );
    return "failed";
  } catch (error) {
    parts.log.warn({ err: error, subscription_id: device.subscription_id }, "push service unreachable");
    return "failed";
  }
}
