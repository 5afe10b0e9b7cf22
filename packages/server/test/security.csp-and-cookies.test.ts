// A16: the dashboard had no Content-Security-Policy, and kept its 30-day refresh token in localStorage, where
// any injected script could read it. Now every answer carries a CSP (scripts from this origin only), and a
// dashboard login puts the refresh token in an httpOnly, SameSite=Strict cookie scoped to the refresh route:
// no script can read it, no other site can send it, and a refresh by cookie needs a JSON body (which a
// cross-site form cannot send). The CLI still gets its token in the body; reuse detection holds for both.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { rawRequest } from "../../../test/support/raw-http.ts";
import { postgresStackMissing, type TestServer } from "../../../test/support/server.ts";
import type { TestUser } from "../../../test/support/users.ts";

const it = serverTest();

function setCookies(headers: Record<string, string | string[] | undefined>): string[] {
  const value = headers["set-cookie"];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** The gs_refresh cookie's value from an answer, as a browser would keep it ("" when cleared). */
function refreshCookie(headers: Record<string, string | string[] | undefined>): string | undefined {
  const cookie = setCookies(headers).find((entry) => entry.startsWith("gs_refresh="));
  return cookie === undefined ? undefined : (/^gs_refresh=([^;]*)/.exec(cookie)?.[1] ?? "");
}

function loginWithCookie(server: TestServer, user: TestUser) {
  return rawRequest(server.url, "POST", "/api/v1/auth/login", {
    body: { username: user.username, password: user.password, refresh_token_in: "cookie" },
  });
}

function refreshByCookie(server: TestServer, cookie: string, body: unknown = {}) {
  return rawRequest(server.url, "POST", "/api/v1/auth/refresh", { body, headers: { cookie: `gs_refresh=${cookie}` } });
}

describe.skipIf(postgresStackMissing())("A16: a CSP, and a refresh token no script can read", () => {
  it("sends a Content-Security-Policy that allows only this origin's scripts", async ({ server }) => {
    for (const path of ["/", "/api/v1/health", "/docs"]) {
      const answer = await rawRequest(server.url, "GET", path, { headers: { accept: "text/html" } });
      const policy = String(answer.headers["content-security-policy"] ?? "");
      const directives = Object.fromEntries(
        policy.split(";").map((directive) => {
          const [name = "", ...values] = directive.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives["script-src"], path).toEqual(["'self'"]);
      expect(directives["default-src"], path).toEqual(["'self'"]);
      // React Flow positions nodes with inline styles; nothing else is inline.
      expect(directives["style-src"], path).toEqual(["'self'", "'unsafe-inline'"]);
      expect(directives["object-src"], path).toEqual(["'none'"]);
      expect(directives["frame-ancestors"], path).toEqual(["'none'"]);
    }
  });

  it("puts a dashboard's refresh token in an httpOnly, SameSite=Strict cookie for the refresh route only", async ({
    server,
    user,
  }) => {
    const login = await loginWithCookie(server, user);
    expect(login.status).toBe(200);
    expect(login.json.access_token).toBeTruthy();
    expect(login.json.refresh_token).toBeUndefined();
    const [cookie] = setCookies(login.headers);
    expect(cookie).toMatch(/^gs_refresh=gsr_/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\/api\/v1\/auth\/refresh(;|$)/);
    expect(cookie).toMatch(/; Max-Age=2592000/);

    const first = refreshCookie(login.headers)!;
    const refreshed = await refreshByCookie(server, first);
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).toBeUndefined();
    const second = refreshCookie(refreshed.headers)!;
    expect(second).toMatch(/^gsr_/);
    expect(second).not.toBe(first);
    const me = await rawRequest(server.url, "GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${refreshed.json.access_token}` },
    });
    expect(me.json.username).toBe(user.username);
  });

  it("refuses a cookie refresh without a JSON body, as a cross-site form would send it", async ({ server, user }) => {
    const cookie = refreshCookie((await loginWithCookie(server, user)).headers)!;
    const formLike = await rawRequest(server.url, "POST", "/api/v1/auth/refresh", {
      headers: { cookie: `gs_refresh=${cookie}`, "content-type": "text/plain" },
    });
    expect(formLike.status).toBe(400);
    const empty = await rawRequest(server.url, "POST", "/api/v1/auth/refresh", {
      headers: { cookie: `gs_refresh=${cookie}` },
    });
    expect(empty.status).toBe(400);
    // Neither used the token up.
    expect((await refreshByCookie(server, cookie)).status).toBe(200);
  });

  it("detects a replayed refresh cookie and ends the whole session, clearing the cookie", async ({ server, user }) => {
    const first = refreshCookie((await loginWithCookie(server, user)).headers)!;
    const rotated = await refreshByCookie(server, first);
    const second = refreshCookie(rotated.headers)!;

    const replay = await refreshByCookie(server, first);
    expect(replay.status).toBe(401);
    expect(replay.json.detail).toMatch(/reused/);
    expect(refreshCookie(replay.headers)).toBe("");
    expect((await refreshByCookie(server, second)).status).toBe(401);
    const revoked = await rawRequest(server.url, "GET", "/api/v1/auth/me", {
      headers: { authorization: `Bearer ${rotated.json.access_token}` },
    });
    expect(revoked.status).toBe(401);
  });

  it("clears the cookie on logout, and the refresh token dies with the session", async ({ server, user }) => {
    const login = await loginWithCookie(server, user);
    const cookie = refreshCookie(login.headers)!;
    const logout = await rawRequest(server.url, "POST", "/api/v1/auth/logout", {
      body: {},
      headers: { authorization: `Bearer ${login.json.access_token}` },
    });
    expect(logout.status).toBe(204);
    const cleared = setCookies(logout.headers).find((entry) => entry.startsWith("gs_refresh="));
    expect(cleared).toMatch(/^gs_refresh=;.*Max-Age=0/);
    expect(cleared).toMatch(/Path=\/api\/v1\/auth\/refresh/);
    expect((await refreshByCookie(server, cookie)).status).toBe(401);
  });

  it("still gives the CLI its refresh token in the body, with reuse detection", async ({ server, user }) => {
    const login = await rawRequest(server.url, "POST", "/api/v1/auth/login", {
      body: { username: user.username, password: user.password },
    });
    expect(login.json.refresh_token).toMatch(/^gsr_/);
    expect(setCookies(login.headers)).toEqual([]);
    const rotated = await rawRequest(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: login.json.refresh_token },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.refresh_token).toMatch(/^gsr_/);
    expect(setCookies(rotated.headers)).toEqual([]);
    const replay = await rawRequest(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: login.json.refresh_token },
    });
    expect(replay.status).toBe(401);
    const after = await rawRequest(server.url, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: rotated.json.refresh_token },
    });
    expect(after.status).toBe(401);
  });
});
