// The control panel's routes: four pages, the fragments their live regions fetch, the forms they post, an
// event stream that says when to fetch again, and the state as JSON. Every route sits behind the guard.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { liveScript, stylesheet } from "./assets.ts";
import { EnrolError, exchangePairingCode } from "./enrol.ts";
import { readConnectForm, readSettingsForm } from "./forms.ts";
import { panelGuard, problem } from "./guard.ts";
import { connectPage } from "./pages/connect.ts";
import { settingsPage } from "./pages/settings.ts";
import { statusBody, statusPage, workControls } from "./pages/status.ts";
import { toolsBody, toolsPage } from "./pages/tools.ts";
import type { WorkerSupervisor } from "./supervisor.ts";
import { panelState } from "./view.ts";

export interface PanelAppOptions {
  supervisor: WorkerSupervisor;
  secret: string;
  port: number;
  /** The command that installs this worker as a service starting at login, shown on Settings. */
  installCommand: string;
}

/** Changes are told to the page at most this often: output comes in many small chunks. */
const CHANGE_EVERY_MS = 250;
const KEEPALIVE_MS = 20_000;

export function panelApp({ supervisor, secret, port, installCommand }: PanelAppOptions): Hono {
  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      xFrameOptions: "DENY",
      // Not no-referrer: under it Chromium sends `Origin: null` with the panel's own form posts.
      referrerPolicy: "same-origin",
      strictTransportSecurity: false,
    }),
  );
  app.use(panelGuard({ secret, port }));
  app.use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  });
  app.use(bodyLimit({ maxSize: 64 * 1024, onError: (c) => problem(c, 400, "body", "The form is too large.") }));

  app.get("/panel.css", (c) => c.body(stylesheet, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/panel.js", (c) => c.body(liveScript, 200, { "content-type": "text/javascript; charset=utf-8" }));

  app.get("/", (c) => c.html(statusPage(panelState(supervisor))));
  app.get("/live/status", (c) => c.html(statusBody(panelState(supervisor))));
  app.get("/live/controls", (c) => c.html(workControls(panelState(supervisor), "/settings")));
  app.get("/tools", (c) => c.html(toolsPage(panelState(supervisor))));
  app.get("/live/tools", (c) => c.html(toolsBody(panelState(supervisor))));
  app.post("/tools/check", async (c) => {
    await supervisor.worker?.checkTools();
    return c.redirect("/tools", 303);
  });

  app.post("/control/:action", async (c) => {
    const action = c.req.param("action");
    // Back to the page the button was on; only the panel's own pages (no open redirect).
    const to = (await c.req.parseBody()).back === "/settings" ? "/settings" : "/";
    switch (action) {
      case "pause":
        supervisor.pause();
        break;
      case "resume":
        supervisor.resume();
        break;
      case "drain":
        void supervisor.drain();
        break;
      case "start":
        void supervisor.start();
        break;
      default:
        return problem(c, 404, "action", "Unknown action: pause, resume, drain or start.");
    }
    return c.redirect(to, 303);
  });

  const settingsView = async () => ({
    state: panelState(supervisor),
    settings: await supervisor.intendedSettings(),
    pinned: supervisor.pinned(),
    installCommand,
  });
  app.get("/settings", async (c) =>
    c.html(settingsPage({ ...(await settingsView()), saved: c.req.query("saved") === "1" })),
  );
  app.post("/settings", async (c) => {
    const read = readSettingsForm(await c.req.parseBody(), supervisor.pinned());
    if ("errors" in read) return c.html(settingsPage({ ...(await settingsView()), errors: read.errors }), 400);
    await supervisor.apply(read.patch);
    return c.redirect("/settings?saved=1", 303);
  });

  const connectView = async () => {
    const key = (await supervisor.intendedSettings())?.key ?? null;
    return { state: panelState(supervisor), keyHint: key && `${key.slice(0, 7)}…`, pinned: supervisor.pinned() };
  };
  app.get("/connect", async (c) => c.html(connectPage(await connectView())));
  app.post("/connect", async (c) => {
    const form = await c.req.parseBody();
    const read = readConnectForm(form);
    const values = {
      server: typeof form.server === "string" ? form.server : undefined,
      code: typeof form.code === "string" ? form.code : undefined,
      name: typeof form.name === "string" ? form.name : undefined,
    };
    if ("errors" in read) return c.html(connectPage({ ...(await connectView()), errors: read.errors, values }), 400);
    const pinned = supervisor.pinned();
    const pinnedBy = pinned.server ?? pinned.key;
    if (pinnedBy) {
      const failure = `Not saved: ${pinnedBy} decides the server and key while it is given.`;
      return c.html(connectPage({ ...(await connectView()), values, failure }), 409);
    }
    const { request } = read;
    let key: string;
    if ("key" in request.credential) key = request.credential.key;
    else {
      try {
        key = await exchangePairingCode(request.server, request.credential.code, request.name);
      } catch (error) {
        if (!(error instanceof EnrolError)) throw error;
        const status = error.refused ? 400 : 502;
        return c.html(connectPage({ ...(await connectView()), values, failure: error.message }), status);
      }
    }
    await supervisor.apply({ server: request.server, key, ...(request.name ? { name: request.name } : {}) });
    return c.redirect("/", 303);
  });

  app.get("/api/state", (c) => c.json(panelState(supervisor)));

  app.get("/events", (c) =>
    streamSSE(c, async (stream) => {
      let timer: NodeJS.Timeout | null = null;
      const onChange = () => {
        timer ??= setTimeout(() => {
          timer = null;
          void stream.writeSSE({ event: "change", data: "" }).catch(() => {});
        }, CHANGE_EVERY_MS);
      };
      const keepalive = setInterval(() => void stream.write(": keepalive\n\n").catch(() => {}), KEEPALIVE_MS);
      supervisor.on("change", onChange);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      supervisor.off("change", onChange);
      clearInterval(keepalive);
      if (timer) clearTimeout(timer);
    }),
  );

  app.notFound((c) => problem(c, 404, "path", `No page at ${c.req.path}.`));
  return app;
}
