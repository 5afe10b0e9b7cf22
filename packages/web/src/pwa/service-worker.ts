// Registers the service worker (built as /sw.js; the dev server has none). It caches the app shell and
// shows push notifications; the dashboard works the same without it.
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
    // No worker (a private window, an http:// address that is not localhost): no offline shell, no pushes.
  });
}
