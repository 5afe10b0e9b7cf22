// The control panel against someone who is not its owner: a request without the cookie, a wrong token, a
// web page whose name was rebound to 127.0.0.1 (Host), another site posting forms (Origin), and a client
// on another address. A real worker process with --ui against a real server.
import { execFile } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { rawRequest } from "../../../test/support/raw-http.ts";
import { openedUrl, type PanelWorker, spawnPanelWorker } from "./e2e/panel-support.ts";
import { cleanEnv, cleanUpWorkers, cliBin, repoRoot, waitFor } from "./e2e/support.ts";

const run = promisify(execFile);

const it = serverTest()
  .extend("panel", { scope: "file" }, async ({ server, key }) => {
    const worker = await spawnPanelWorker({ server: server.url, key });
    await worker.workerId();
    return worker;
  })
  .extend("cookie", { scope: "file" }, ({ panel }) => signIn(panel));

/** The session cookie, as the browser gets it for the sign-in URL. */
async function signIn(panel: PanelWorker): Promise<string> {
  const url = new URL(await openedUrl(panel.stateDir));
  const answer = await rawRequest(panel.url, "GET", url.pathname + url.search);
  expect(answer.status).toBe(303);
  expect(answer.headers.location).toBe("/");
  const cookie = String(answer.headers["set-cookie"]);
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(";")[0] as string;
}

function hostOf(panel: PanelWorker): string {
  return new URL(panel.url).host;
}

async function label(panel: PanelWorker, cookie: string): Promise<string> {
  const answer = await rawRequest(panel.url, "GET", "/api/state", { headers: { cookie } });
  return answer.json.label;
}

describe("the control panel refuses whoever is not its owner", () => {
  afterAll(cleanUpWorkers);

  it("answers 401 without the cookie, on every kind of route", async ({ panel }) => {
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/api/state"],
      ["GET", "/events"],
      ["GET", "/settings"],
      ["POST", "/control/pause"],
    ] as const) {
      const answer = await rawRequest(panel.url, method, path, { headers: { origin: panel.url } });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.headers["content-type"]).toContain("application/problem+json");
      expect(answer.json.field).toBe("cookie");
    }
  });

  it("exchanges only the right token, and only on a GET", async ({ panel }) => {
    const wrong = await rawRequest(panel.url, "GET", "/?token=not-the-secret");
    expect(wrong.status).toBe(401);
    expect(wrong.json.field).toBe("token");
    expect(wrong.headers["set-cookie"]).toBeUndefined();

    const secret = (await readFile(join(panel.stateDir, "panel-secret"), "utf8")).trim();
    const posted = await rawRequest(panel.url, "POST", `/control/pause?token=${secret}`, {
      headers: { origin: panel.url },
    });
    expect(posted.status).toBe(401);

    const cookie = await signIn(panel);
    const page = await rawRequest(panel.url, "GET", "/", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Status</h1>");
    // The cookie is derived from the secret, not the secret itself.
    expect(cookie).not.toContain(secret);
  });

  it("keeps the secret private to the owner: 0600 in a 0700 state dir", async ({ panel }) => {
    expect((await stat(join(panel.stateDir, "panel-secret"))).mode & 0o777).toBe(0o600);
    expect((await stat(panel.stateDir)).mode & 0o777).toBe(0o700);
  });

  it("refuses a page whose name was rebound to 127.0.0.1 (DNS rebinding), cookie or not", async ({ panel, cookie }) => {
    const port = new URL(panel.url).port;
    for (const host of [
      `evil.example:${port}`,
      "127.0.0.1",
      `127.0.0.1.evil.example:${port}`,
      `localhost:${Number(port) + 1}`,
    ]) {
      const answer = await rawRequest(panel.url, "GET", "/api/state", { headers: { cookie, host } });
      expect(answer.status, host).toBe(403);
      expect(answer.json.field).toBe("Host");
    }
    const byName = await rawRequest(panel.url, "GET", "/api/state", { headers: { cookie, host: `localhost:${port}` } });
    expect(byName.status).toBe(200);
  });

  it("refuses changes from other sites (CSRF) and changes that do not say where they come from", async ({
    panel,
    cookie,
  }) => {
    await waitFor(async () => (await label(panel, cookie)) === "Connected", { what: "the worker to connect" });

    const foreign = await rawRequest(panel.url, "POST", "/control/pause", {
      headers: { cookie, origin: "http://evil.example" },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.json.field).toBe("Origin");
    const sameSite = await rawRequest(panel.url, "POST", "/control/pause", {
      headers: { cookie, origin: `http://127.0.0.1:${Number(new URL(panel.url).port) + 1}` },
    });
    expect(sameSite.status).toBe(403);
    const silent = await rawRequest(panel.url, "POST", "/control/pause", { headers: { cookie } });
    expect(silent.status).toBe(403);
    const crossSite = await rawRequest(panel.url, "POST", "/control/pause", {
      headers: { cookie, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    // A foreign page reading the state through CORS is refused too (and is given no CORS headers).
    const read = await rawRequest(panel.url, "GET", "/api/state", {
      headers: { cookie, origin: "http://evil.example" },
    });
    expect(read.status).toBe(403);
    expect(read.headers["access-control-allow-origin"]).toBeUndefined();
    expect(await label(panel, cookie)).toBe("Connected");

    const own = await rawRequest(panel.url, "POST", "/control/pause", { headers: { cookie, origin: panel.url } });
    expect(own.status).toBe(303);
    expect(await label(panel, cookie)).toBe("Paused");
    const resumed = await rawRequest(panel.url, "POST", "/control/resume", {
      headers: { cookie, "sec-fetch-site": "same-origin" },
    });
    expect(resumed.status).toBe(303);
    await waitFor(async () => (await label(panel, cookie)) === "Connected", { what: "the worker to connect again" });
  });

  it("cannot be framed, and tells the browser so", async ({ panel, cookie }) => {
    const page = await rawRequest(panel.url, "GET", "/", { headers: { cookie } });
    expect(page.headers["x-frame-options"]).toBe("DENY");
    expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(page.headers["cache-control"]).toBe("no-store");
  });

  it("listens on 127.0.0.1 only", async ({ panel }) => {
    expect(hostOf(panel)).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = new URL(panel.url).port;
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: "::1", port: Number(port) });
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    // ECONNREFUSED, or EADDRNOTAVAIL on a machine without IPv6 loopback: either way nothing answers there.
    expect(refused).not.toBe("connected");
  });

  it("worker open prints the URL when there is no browser to open, and says when no panel runs", async ({ panel }) => {
    const env = { ...cleanEnv(), PATH: "/nonexistent" };
    const opened = await run(process.execPath, [cliBin, "worker", "open", "--state-dir", panel.stateDir], {
      cwd: repoRoot,
      env,
    });
    expect(opened.stdout).toMatch(/Open this URL in your browser: http:\/\/127\.0\.0\.1:\d+\/\?token=/);

    const none = await run(process.execPath, [cliBin, "worker", "open", "--state-dir", join(panel.stateDir, "other")], {
      cwd: repoRoot,
      env,
    }).catch((error: { code: number; stderr: string }) => error);
    expect("code" in none && none.code).toBe(1);
    expect("stderr" in none && none.stderr).toMatch(/no control panel is running/);
  });
});
