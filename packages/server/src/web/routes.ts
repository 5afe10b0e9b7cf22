// Serves the built dashboard (packages/web/dist) at `/`, with the SPA fallback: a GET for a page
// (any path outside the API, WebSocket, docs, health and metrics that accepts HTML) answers index.html.
import { stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";

export const defaultDashboardDir = fileURLToPath(new URL("../../../web/dist/", import.meta.url));

const reserved = /^\/(api|ws|docs|health|metrics)(\/|$)/;

/**
 * `pagePolicies`: a Content-Security-Policy for the document of one page, in place of the app's (the phone
 * worker's page calls vendor APIs). It applies when that page is loaded, so links to it load it anew.
 */
export function webRoutes(
  distDir: string = defaultDashboardDir,
  pagePolicies: Record<string, string> = {},
): FastifyPluginAsync {
  const root = resolve(distDir);
  return async (app) => {
    // serve: false only decorates reply.sendFile (inside this plugin); the route below decides what to send.
    await app.register(fastifyStatic, { root, serve: false });

    app.get("/*", { schema: { hide: true } }, async (request, reply) => {
      const path = decodePath(request.url);
      if (path === null || reserved.test(path)) return reply.callNotFound();
      const file = path === "/" ? null : await fileUnder(root, path);
      if (file) {
        // Vite fingerprints everything under assets/, so those never change under the same name.
        const immutable = path.startsWith("/assets/");
        return reply.sendFile(file, { maxAge: immutable ? "365d" : 0, immutable });
      }
      if (!acceptsHtml(request)) return reply.callNotFound();
      if (!(await fileUnder(root, "/index.html"))) return notBuilt(reply);
      const policy = pagePolicies[path];
      if (policy) reply.header("content-security-policy", policy);
      return reply.header("cache-control", "no-cache").sendFile("index.html", { cacheControl: false });
    });
  };
}

function decodePath(url: string): string | null {
  try {
    return decodeURIComponent(url.split("?")[0] ?? "/");
  } catch {
    return null;
  }
}

/** The file's path relative to root when it exists inside root; null otherwise (including `..` escapes). */
async function fileUnder(root: string, path: string): Promise<string | null> {
  const full = resolve(root, `.${path}`);
  if (!full.startsWith(root + sep)) return null;
  try {
    return (await stat(full)).isFile() ? full.slice(root.length + 1) : null;
  } catch {
    return null;
  }
}

function acceptsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.includes("text/html") || accept.includes("*/*") || accept === "";
}

function notBuilt(reply: FastifyReply) {
  return reply
    .status(503)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .send(
      `<!doctype html><meta charset="utf-8"><title>GarageSwarm</title>` +
        `<h1>The dashboard is not built</h1>` +
        `<p>The server is running and the API answers under <a href="/api/v1">/api/v1</a> ` +
        `(documentation at <a href="/docs">/docs</a>).</p>` +
        `<p>Build the dashboard with <code>npm run build -w @garageswarm/web</code> ` +
        `(or restart with <code>npm start</code>, which builds it), then reload this page.</p>`,
    );
}
