// The frame every panel page shares: header with the four pages, the stylesheet and the live script. Pages
// are built with hono/html's `html` tag, which escapes every interpolated value; `raw` is used nowhere on
// anything that came from outside.
import { html } from "hono/html";

export type Html = ReturnType<typeof html>;

export type PageName = "Status" | "Tools" | "Settings" | "Connect";

const pages: Array<{ name: PageName; path: string }> = [
  { name: "Status", path: "/" },
  { name: "Tools", path: "/tools" },
  { name: "Settings", path: "/settings" },
  { name: "Connect", path: "/connect" },
];

export function layout(current: PageName, workerName: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${current} · GarageSwarm worker</title>
    <link rel="stylesheet" href="/panel.css" />
  </head>
  <body>
    <header class="topbar">
      <span class="brand">GarageSwarm worker</span>
      <nav aria-label="Panel">
        ${pages.map(
          (page) =>
            html`<a href="${page.path}" ${page.name === current ? html`aria-current="page"` : ""}>${page.name}</a>`,
        )}
      </nav>
      <span class="topbar-end muted">${workerName}</span>
    </header>
    <main>
      <div class="page-head"><h1>${current}</h1></div>
      ${body}
    </main>
    <script src="/panel.js"></script>
  </body>
</html>`;
}

/** A badge in the dashboard's colours: ok (green), info (blue), warn (amber), bad (red), or plain. */
export function badge(text: string, tone: "ok" | "info" | "warn" | "bad" | "plain" = "plain"): Html {
  return html`<span class="badge ${tone === "plain" ? "" : `badge-${tone}`}">${text}</span>`;
}

/** "in 2 h 5 min" / "3 min ago", for resets and ends. */
export function relative(iso: string, now: number = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const minutes = Math.round(Math.abs(ms) / 60_000);
  const span =
    minutes < 1
      ? "less than a minute"
      : minutes < 60
        ? `${minutes} min`
        : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** A local wall-clock time for a timestamp, with the date when it is not today. */
export function clock(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}
