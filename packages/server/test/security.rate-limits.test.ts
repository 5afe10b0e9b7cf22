// A2: login/register rate limits could be dodged with a made-up X-Forwarded-For (trustProxy was always on),
// audit rows took that header as the client's IP, and the per-account login limit never counted. Each test
// performs the review's attack over real HTTP and asserts it now fails.
import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { rawRequest } from "../../../test/support/raw-http.ts";
import { postgresStackMissing, type TestServer } from "../../../test/support/server.ts";
import { selectRows } from "../src/db/store.ts";

const LIMIT = 5;
// One server per attack, so each starts with fresh counters.
const untrustedIt = serverTest({ settings: { authRateLimitPerMinute: LIMIT } });
const registerIt = serverTest({ settings: { authRateLimitPerMinute: LIMIT } });
// The proxy is 127.0.0.2: the tests connect from it to play the proxy, and from 127.0.0.1 to play a client.
const proxiedIt = serverTest({ settings: { authRateLimitPerMinute: LIMIT, trustProxy: ["127.0.0.2"] } });
const accountIt = serverTest({ settings: { authRateLimitPerMinute: LIMIT, trustProxy: ["127.0.0.1"] } });

const PROXY = "127.0.0.2";
const CLIENT = "127.0.0.1";

function login(server: TestServer, username: string, password: string, from: string, forwardedFor?: string) {
  return rawRequest(server.url, "POST", "/api/v1/auth/login", {
    body: { username, password },
    localAddress: from,
    headers: forwardedFor ? { "x-forwarded-for": forwardedFor } : {},
  });
}

async function auditIps(server: TestServer, login: string): Promise<string[]> {
  const rows = await selectRows<{ ip: string }>(
    server.resources.db,
    sql`select ip from audit_log where action = 'auth.login_failed' and detail->>'login' = ${login}`,
  );
  return rows.map((row) => row.ip);
}

const nobody = () => `nobody_${randomBytes(4).toString("hex")}`;

describe.skipIf(postgresStackMissing())("A2: rate limits that a header cannot dodge", () => {
  untrustedIt(
    "with trust-proxy off, a new X-Forwarded-For per request still hits the per-IP limit",
    async ({ server }) => {
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) {
        statuses.push((await login(server, nobody(), "x", CLIENT, `10.0.0.${i + 1}`)).status);
      }
      expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
      const refused = await login(server, nobody(), "x", CLIENT, "203.0.113.9");
      expect(refused.status).toBe(429);
      expect(refused.headers["content-type"]).toContain("application/problem+json");
    },
  );

  registerIt("registering with a new X-Forwarded-For per request is limited per peer too", async ({ server }) => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const name = nobody();
      const response = await rawRequest(server.url, "POST", "/api/v1/auth/register", {
        body: { username: name, email: `${name}@example.test`, password: "bulkpassword" },
        headers: { "x-forwarded-for": `10.1.0.${i + 1}` },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(201), 429]);
    // And a login from the same peer, spoofing an address: the audit row names the peer.
    const name = nobody();
    expect((await login(server, name, "x", CLIENT, "203.0.113.7")).status).toBe(401);
    expect(await auditIps(server, name)).toEqual([CLIENT]);
  });

  proxiedIt("believes X-Forwarded-For only from the configured proxy", async ({ server }) => {
    // Through the proxy, each client address has its own budget, and the audit names the client.
    for (let i = 0; i <= LIMIT; i++) {
      const name = nobody();
      expect((await login(server, name, "x", PROXY, `198.51.100.${i + 1}`)).status).toBe(401);
      expect(await auditIps(server, name)).toEqual([`198.51.100.${i + 1}`]);
    }
    // Straight from a client that is not the proxy, the same header is ignored: the peer is limited.
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const name = nobody();
      statuses.push((await login(server, name, "x", CLIENT, `198.51.100.${100 + i}`)).status);
      if (i === 0) expect(await auditIps(server, name)).toEqual([CLIENT]);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  accountIt("limits guesses per account across addresses, counting username and email as one", async ({ server }) => {
    const name = `victim_${randomBytes(4).toString("hex")}`;
    const email = `${name}@example.test`;
    const registered = await rawRequest(server.url, "POST", "/api/v1/auth/register", {
      body: { username: name, email, password: "the-right-password" },
    });
    expect(registered.status).toBe(201);

    // A botnet: every guess from another address, alternating the username and the email (any case).
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const loginName = i % 2 === 0 ? name.toUpperCase() : email;
      statuses.push((await login(server, loginName, `guess-${i}`, CLIENT, `192.0.2.${i + 1}`)).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    // The account's budget is spent for the window, even for the right password from a fresh address...
    const locked = await login(server, name, "the-right-password", CLIENT, "192.0.2.200");
    expect(locked.status).toBe(429);
    expect(locked.json.detail).toMatch(/this account/);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    // ...while another account from the last guesser's address is not limited: the two limits are separate.
    expect((await login(server, nobody(), "x", CLIENT, `192.0.2.${LIMIT + 1}`)).status).toBe(401);
  });
});
