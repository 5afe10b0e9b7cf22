// This device's Web Push subscription: the browser's PushManager on one side, the server's list of the user's
// devices on the other. Subscribing asks for the notification permission, subscribes with the server's VAPID
// key, and hands the subscription to the server; turning it off does both in reverse.
import type { PushDevice, PushSubscriptionCreate, VapidPublicKey } from "@garageswarm/protocol";
import { api } from "../api/client.ts";

export type PushSupport =
  | { supported: true }
  | { supported: false; reason: "no_service_worker" | "no_push" | "ios_not_installed" | "denied" };

export function pushSupport(): PushSupport {
  if (!("serviceWorker" in navigator)) return { supported: false, reason: "no_service_worker" };
  if (isIos() && !isStandalone()) return { supported: false, reason: "ios_not_installed" };
  if (!("PushManager" in window) || !("Notification" in window)) return { supported: false, reason: "no_push" };
  if (Notification.permission === "denied") return { supported: false, reason: "denied" };
  return { supported: true };
}

/** Safari on iOS and iPadOS offers Web Push only to a dashboard added to the home screen (iOS 16.4+). */
function isIos(): boolean {
  return (
    /iPhone|iPad|iPod/.test(navigator.userAgent) ||
    (navigator.maxTouchPoints > 1 && /Macintosh/.test(navigator.userAgent))
  );
}

function isStandalone(): boolean {
  return window.matchMedia("(display-mode: standalone)").matches;
}

async function registration(): Promise<ServiceWorkerRegistration> {
  const found = await navigator.serviceWorker.getRegistration("/");
  if (!found) throw new Error("The dashboard's service worker is not installed: reload the page and try again.");
  return navigator.serviceWorker.ready;
}

/** The endpoint this browser pushes to, when it is subscribed. */
export async function currentEndpoint(): Promise<string | null> {
  if (!("serviceWorker" in navigator)) return null;
  const found = await navigator.serviceWorker.getRegistration("/");
  const subscription = await found?.pushManager?.getSubscription();
  return subscription?.endpoint ?? null;
}

export async function enablePush(): Promise<PushDevice> {
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("Notifications are blocked for this site: allow them in the browser's site settings.");
  }
  const { public_key } = await api.get<VapidPublicKey>("/push/vapid-public-key");
  const { pushManager } = await registration();
  const existing = await pushManager.getSubscription();
  // A subscription made with another server key cannot receive this server's pushes.
  if (existing && !sameKey(existing.options.applicationServerKey, public_key)) await existing.unsubscribe();
  const subscription = await pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: fromBase64Url(public_key),
  });
  const body = { ...(subscription.toJSON() as PushSubscriptionCreate), label: deviceLabel() };
  return api.post<PushDevice>("/push/subscriptions", body);
}

/** Stops pushes to this browser: its row on the server, then the browser's own subscription. */
export async function disablePush(devices: readonly PushDevice[]): Promise<void> {
  const found = await navigator.serviceWorker.getRegistration("/");
  const subscription = await found?.pushManager?.getSubscription();
  if (!subscription) return;
  const mine = devices.find((device) => device.endpoint === subscription.endpoint);
  if (mine) await api.delete<void>(`/push/subscriptions/${mine.subscription_id}`);
  await subscription.unsubscribe();
}

/**
 * On sign-out: this browser stops getting the user's notifications, so whoever signs in next on it does not
 * see them. Best effort; a device left behind is removed from Settings or when its push service drops it.
 */
export async function forgetThisDevice(): Promise<void> {
  const endpoint = await currentEndpoint();
  if (!endpoint) return;
  const { items } = await api.get<{ items: PushDevice[] }>("/push/subscriptions");
  await disablePush(items);
}

function deviceLabel(): string {
  const agent = navigator.userAgent;
  if (/iPhone/.test(agent)) return "iPhone";
  if (/iPad/.test(agent)) return "iPad";
  if (/Android/.test(agent)) return /Mobile/.test(agent) ? "Android phone" : "Android tablet";
  if (/Windows/.test(agent)) return "Windows computer";
  if (/Macintosh/.test(agent)) return "Mac";
  if (/Linux/.test(agent)) return "Linux computer";
  return "This browser";
}

function fromBase64Url(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), "="));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function sameKey(key: ArrayBuffer | null, publicKey: string): boolean {
  if (!key) return false;
  const expected = fromBase64Url(publicKey);
  const actual = new Uint8Array(key);
  return actual.length === expected.length && actual.every((byte, index) => byte === expected[index]);
}
