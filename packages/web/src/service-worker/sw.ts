// The dashboard's service worker, hand-rolled (about a page; vite-plugin-pwa would bring Workbox's build
// chain for the same few rules): it keeps the app shell for offline starts (app-shell.ts says what, and why
// never API answers), shows Web Push notifications, and opens the page a tapped notification names.
// Built on its own as /sw.js (vite.config.ts), with a SHELL_VERSION that changes with every build's
// index.html, so a new build installs a new worker that drops the old shell.
import { PushMessage } from "@garageswarm/protocol/push";
import { assetsOf, isDashboardPage, isStaticShellFile } from "./app-shell.ts";

declare const SHELL_VERSION: string;

const sw = self as unknown as ServiceWorkerGlobalScope;
const cacheName = `garageswarm-shell-${SHELL_VERSION}`;
const icon = "/icons/icon-192.png";

sw.addEventListener("install", (event) => {
  event.waitUntil(cacheShell().then(() => sw.skipWaiting()));
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== cacheName) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

async function cacheShell(): Promise<void> {
  const cache = await caches.open(cacheName);
  const shell = await fetch("/", { cache: "no-cache", headers: { accept: "text/html" } });
  if (!shell.ok) return;
  const html = await shell.clone().text();
  await cache.put("/", shell);
  await cache.addAll([...assetsOf(html), "/manifest.webmanifest", icon]);
}

sw.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== sw.location.origin) return;
  if (request.mode === "navigate" && isDashboardPage(url.pathname)) {
    event.respondWith(pageOrShell(request));
  } else if (isStaticShellFile(url.pathname)) {
    event.respondWith(cachedOrFetched(request));
  }
});

/** The network's page when there is one, so a new build shows at once; the cached shell when offline. */
async function pageOrShell(request: Request): Promise<Response> {
  try {
    return await fetch(request);
  } catch (error) {
    const shell = await caches.match("/", { cacheName });
    if (shell) return shell;
    throw error;
  }
}

async function cachedOrFetched(request: Request): Promise<Response> {
  const cached = await caches.match(request, { cacheName });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await (await caches.open(cacheName)).put(request, response.clone());
  return response;
}

sw.addEventListener("push", (event) => {
  const parsed = PushMessage.safeParse(readJson(event.data));
  // Every push must show something (browsers penalise silent ones); an unreadable one says so plainly.
  const message = parsed.success
    ? parsed.data
    : { title: "GarageSwarm", body: "Something needs your attention.", url: "/", tag: "garageswarm" };
  event.waitUntil(
    sw.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon,
      badge: icon,
      data: { url: message.url },
    }),
  );
});

function readJson(data: PushMessageData | null): unknown {
  try {
    return data?.json();
  } catch {
    return null;
  }
}

sw.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const path = typeof event.notification.data?.url === "string" ? event.notification.data.url : "/";
  event.waitUntil(openPage(new URL(path, sw.location.origin).href));
});

/** Focuses an open dashboard and takes it to the page, or opens one. */
async function openPage(url: string): Promise<void> {
  const windows = await sw.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((client) => new URL(client.url).origin === sw.location.origin);
  if (open) {
    const focused = await open.focus();
    await focused.navigate(url);
    return;
  }
  await sw.clients.openWindow(url);
}
