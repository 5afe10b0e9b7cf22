// What the service worker keeps offline: the app shell only — index.html, the fingerprinted bundles it
// names, the manifest and icons. Never an API answer: those hold a user's data, and a phone left signed in
// must not show them from a cache after sign-out. Pure functions, so the rules have unit tests.

/** Paths the server answers itself (API, sockets, docs, health, metrics): never cached, never given the shell. */
const serverPaths = /^\/(api|ws|docs|health|metrics)(\/|$)/;

/** Fingerprinted (assets/) or stable (icons, manifest) static files: served from the cache first. */
export function isStaticShellFile(path: string): boolean {
  return path.startsWith("/assets/") || path.startsWith("/icons/") || path === "/manifest.webmanifest";
}

/** A page of the dashboard: network first, the cached shell when offline. */
export function isDashboardPage(path: string): boolean {
  return !serverPaths.test(path) && !isStaticShellFile(path) && path !== "/sw.js";
}

/** The bundles and styles index.html loads, to fetch into the cache when the worker installs. */
export function assetsOf(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"?#]+)"/g)) if (match[1]) found.add(match[1]);
  return [...found];
}
