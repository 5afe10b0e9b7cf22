// Which push endpoints a subscription may name. The server POSTs to whatever endpoint is stored, so an open
// list would let any account make the server call an address of its choosing (an internal service, a cloud
// metadata endpoint). Only the browsers' own push services are accepted, over HTTPS, plus origins the operator
// lists (GARAGESWARM_PUSH_SERVICE_ORIGINS: a self-hosted push service, a test's fake on loopback).

/** Hosts (and their subdomains) of the push services browsers use: Chrome/Android, Firefox, Safari/iOS, Edge. */
const knownPushServiceHosts = [
  "fcm.googleapis.com",
  "android.googleapis.com",
  "updates.push.services.mozilla.com",
  "push.apple.com",
  "notify.windows.com",
] as const;

export function isAllowedPushEndpoint(endpoint: string, extraOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (extraOrigins.includes(url.origin)) return true;
  if (url.protocol !== "https:" || (url.port !== "" && url.port !== "443")) return false;
  const host = url.hostname.toLowerCase();
  return knownPushServiceHosts.some((known) => host === known || host.endsWith(`.${known}`));
}
