// A15: /metrics answered anyone (task and worker counts, process metrics). Now it answers a bearer of the
// metrics token when one is set, and otherwise only callers on this machine (loopback, not proxied), with a
// 403 problem that says how to open it.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { rawRequest } from "../../../test/support/raw-http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";

const METRICS_TOKEN = "metrics-token-0123456789abcdef";
const localIt = serverTest({ settings: { trustProxy: ["127.0.0.2"] } });
const tokenIt = serverTest({ settings: { metricsToken: METRICS_TOKEN } });

describe.skipIf(postgresStackMissing())("A15: /metrics is not for everyone", () => {
  localIt("without a token, answers loopback callers only, and never a proxied request", async ({ server }) => {
    const local = await rawRequest(server.url, "GET", "/metrics");
    expect(local.status).toBe(200);
    expect(local.text).toContain("garageswarm_tasks");

    // Through a trusted proxy on this machine, for a client elsewhere: refused, with the way to open it.
    const proxied = await rawRequest(server.url, "GET", "/metrics", {
      localAddress: "127.0.0.2",
      headers: { "x-forwarded-for": "203.0.113.5" },
    });
    expect(proxied.status).toBe(403);
    expect(proxied.headers["content-type"]).toContain("application/problem+json");
    expect(proxied.json.detail).toMatch(/loopback.*GARAGESWARM_METRICS_TOKEN/);
    expect(proxied.text).not.toContain("garageswarm_tasks");

    // A forwarded request from an untrusted peer is not local either, whatever it claims.
    const claimed = await rawRequest(server.url, "GET", "/metrics", { headers: { "x-forwarded-for": "127.0.0.1" } });
    expect(claimed.status).toBe(403);
  });

  tokenIt("with a token set, answers only a bearer of that token", async ({ server, user }) => {
    expect((await rawRequest(server.url, "GET", "/metrics")).status).toBe(401);
    const wrong = await rawRequest(server.url, "GET", "/metrics", {
      headers: { authorization: "Bearer metrics-token-0123456789abcdeX" },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers["content-type"]).toContain("application/problem+json");
    // A user's access token is not the metrics token.
    const asUser = await rawRequest(server.url, "GET", "/metrics", {
      headers: { authorization: `Bearer ${user.access_token}` },
    });
    expect(asUser.status).toBe(401);
    const scraped = await rawRequest(server.url, "GET", "/metrics", {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain("garageswarm_tasks");
  });
});
