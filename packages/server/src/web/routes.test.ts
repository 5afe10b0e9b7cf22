import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { registerProblemHandlers } from "../http/problem.ts";
import { webRoutes } from "./routes.ts";

const html = { accept: "text/html,application/xhtml+xml" };

describe("dashboard serving", () => {
  let app: FastifyInstance;
  let dir: string;

  async function serve(files: Record<string, string>, pagePolicies: Record<string, string> = {}) {
    dir = await mkdtemp(join(tmpdir(), "gs-web-"));
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(dir, path, ".."), { recursive: true });
      await writeFile(join(dir, path), content);
    }
    app = Fastify();
    registerProblemHandlers(app);
    app.get("/api/v1/known", async () => ({ ok: true }));
    await app.register(webRoutes(dir, pagePolicies));
    await app.ready();
  }

  afterEach(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers / and any page address with index.html, and files by their path", async () => {
    await serve({ "index.html": "<div id=root></div>", "assets/app-1a2b.js": "console.log(1)" });
    for (const url of ["/", "/tasks", "/workflows/abc/runs/def?x=1"]) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe("<div id=root></div>");
      expect(response.headers["cache-control"]).toBe("no-cache");
    }
    const asset = await app.inject({ url: "/assets/app-1a2b.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe("console.log(1)");
    expect(asset.headers["cache-control"]).toContain("immutable");
  });

  it("gives a page its own Content-Security-Policy, and no other page or file", async () => {
    await serve(
      { "index.html": "<div id=root></div>", "phone.txt": "x" },
      { "/phone": "connect-src 'self' https://api.example" },
    );
    const phone = await app.inject({ url: "/phone?from=workers", headers: html });
    expect(phone.body).toBe("<div id=root></div>");
    expect(phone.headers["content-security-policy"]).toBe("connect-src 'self' https://api.example");
    for (const url of ["/", "/tasks", "/phone/more", "/phone.txt"]) {
      const response = await app.inject({ url, headers: html });
      expect(response.headers["content-security-policy"]).toBeUndefined();
    }
  });

  it("leaves the API, WebSocket, docs, health and metrics paths to their routes or a problem 404", async () => {
    await serve({ "index.html": "<div id=root></div>" });
    expect((await app.inject({ url: "/api/v1/known", headers: html })).json()).toEqual({ ok: true });
    for (const url of ["/api/v1/unknown", "/ws/client/x", "/docs/nothing", "/health/nope", "/metrics/x"]) {
      const response = await app.inject({ url, headers: html });
      expect(response.statusCode).toBe(404);
      expect(response.headers["content-type"]).toContain("application/problem+json");
    }
  });

  it("answers a missing non-page file with a problem 404, and never serves outside the build", async () => {
    await serve({ "index.html": "<div id=root></div>" });
    const missing = await app.inject({ url: "/assets/gone.js", headers: { accept: "application/javascript" } });
    expect(missing.statusCode).toBe(404);
    const traversal = await app.inject({ url: "/..%2f..%2fetc%2fpasswd", headers: { accept: "text/plain" } });
    expect(traversal.statusCode).toBe(404);
  });

  it("says how to build the dashboard when it is not built", async () => {
    await serve({});
    const response = await app.inject({ url: "/", headers: html });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("npm run build -w @garageswarm/web");
  });
});
