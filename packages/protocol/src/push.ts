// Web Push: a device's subscription (what the browser's PushManager hands out), and the message the
// server sends to it. Imported by the service worker on its own (`@garageswarm/protocol/push`).
import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";

const base64url = (what: string, bytes: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `must be base64url (the browser's ${what})`)
    .refine((value) => decodedLength(value) === bytes, `must decode to ${bytes} bytes (the browser's ${what})`);

function decodedLength(value: string): number {
  const unpadded = value.replace(/=+$/, "");
  return Math.floor((unpadded.length * 3) / 4);
}

/**
 * A push endpoint: the push service's URL for one browser on one device. `http:` passes the schema only so a
 * server can name a loopback push service of its own (tests); the server accepts only the push services it
 * knows, and those speak HTTPS.
 */
export const PushEndpoint = z
  .url({ protocol: /^https?$/, error: "must be an https URL from the browser's push service" })
  .max(2048);

/** What `PushSubscription.toJSON()` gives, plus a name for the device. */
export const PushSubscriptionCreate = z
  .object({
    endpoint: PushEndpoint,
    /** Ignored: push services rarely set it, and an expired endpoint answers 404/410, which removes it. */
    expirationTime: z.number().nullable().optional(),
    keys: z
      .object({
        /** The browser's P-256 public key, uncompressed (65 bytes). */
        p256dh: base64url("P-256 public key", 65),
        /** The browser's auth secret (16 bytes). */
        auth: base64url("auth secret", 16),
      })
      .strict(),
    /** A name to tell devices apart ("Pixel 8", "work laptop"); the user agent is kept beside it. */
    label: z.string().trim().min(1).max(100).optional(),
  })
  .strict();
export type PushSubscriptionCreate = z.infer<typeof PushSubscriptionCreate>;

/** A device that gets the user's notifications. */
export const PushDevice = z.object({
  subscription_id: Uuid,
  /** The endpoint, so a browser can tell which of the list is itself. */
  endpoint: z.string(),
  label: z.string().nullable(),
  user_agent: z.string().nullable(),
  created_at: Timestamp,
  /** When the push service last took a notification for it; null until the first one. */
  last_success_at: Timestamp.nullable(),
});
export type PushDevice = z.infer<typeof PushDevice>;

/** The server's VAPID public key (uncompressed P-256, base64url): `applicationServerKey` for subscribe(). */
export const VapidPublicKey = z.object({ public_key: z.string() });
export type VapidPublicKey = z.infer<typeof VapidPublicKey>;

/** Why a notification was sent. */
export const PushKind = z.enum(["approval_waiting", "run_failed", "task_failed", "tool_limited"]);
export type PushKind = z.infer<typeof PushKind>;

/**
 * The payload of a push (encrypted to the device; under the ~4 KB push services take). `url` is a path of
 * the dashboard, opened when the notification is tapped; `tag` makes a newer notice replace an older one.
 */
export const PushMessage = z.object({
  kind: PushKind,
  title: z.string().max(200),
  body: z.string().max(1000),
  url: z.string().regex(/^\/(?!\/)/, "must be a path of the dashboard"),
  tag: z.string().max(200),
});
export type PushMessage = z.infer<typeof PushMessage>;
