// Who may drive the control panel: a browser on this machine that was given the secret. The panel listens on
// 127.0.0.1 only, which keeps other machines out but not web pages open in this machine's browser, so:
//   Host       must name the panel (127.0.0.1:<port> or localhost:<port>): a page on evil.example whose
//              name was rebound to 127.0.0.1 (DNS rebinding) sends its own Host and is refused
//   Origin     when sent, must be the panel's; a request that changes something must prove it comes from
//              the panel (Origin, or Sec-Fetch-Site: same-origin): cross-site form posts (CSRF) are refused
//   ?token=    the secret, once: exchanged for an HttpOnly SameSite=Strict cookie, then redirected away
//   cookie     every other request needs it; SameSite=Strict keeps other sites' requests from carrying it
import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { sameSecret, sessionValue } from "./secret.ts";

export interface GuardOptions {
  secret: string;
  port: number;
}

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The cookie's name carries the port: two panels on one machine (two workers) keep their own. */
export function cookieName(port: number): string {
  return `gs_panel_${port}`;
}

export function panelGuard({ secret, port }: GuardOptions): MiddlewareHandler {
  const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const origins = new Set([...hosts].map((host) => `http://${host}`));
  const session = sessionValue(secret);
  const name = cookieName(port);
  return async (c, next) => {
    if (!hosts.has(c.req.header("host") ?? "")) {
      return problem(c, 403, "Host", "The Host header does not name this control panel.");
    }
    const origin = c.req.header("origin");
    if (origin !== undefined && !origins.has(origin)) {
      return problem(c, 403, "Origin", "Requests from other sites may not drive this control panel.");
    }
    if (!SAFE_METHODS.has(c.req.method) && origin === undefined && c.req.header("sec-fetch-site") !== "same-origin") {
      return problem(c, 403, "Origin", "A change must come from the control panel's own page.");
    }
    const token = c.req.query("token");
    if (token !== undefined) {
      if (!SAFE_METHODS.has(c.req.method) || !sameSecret(token, secret)) {
        return problem(
          c,
          401,
          "token",
          "This link is not valid for this control panel: use `garageswarm worker open`.",
        );
      }
      setCookie(c, name, session, { httpOnly: true, sameSite: "Strict", path: "/" });
      return c.redirect(c.req.path, 303);
    }
    if (!sameSecret(getCookie(c, name), session)) {
      return problem(
        c,
        401,
        "cookie",
        "Open the control panel with `garageswarm worker open` (or the URL it printed).",
      );
    }
    await next();
  };
}

/** An RFC 9457 problem naming the field (header, parameter or form field) that was wrong. */
export function problem(c: Context, status: 400 | 401 | 403 | 404 | 502, field: string, detail: string) {
  const titles = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 502: "Bad Gateway" };
  return c.body(JSON.stringify({ type: "about:blank", title: titles[status], status, detail, field }), status, {
    "content-type": "application/problem+json",
  });
}
