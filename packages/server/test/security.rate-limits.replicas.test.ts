// A2 across replicas (PostgreSQL + Redis only): the per-account login limit is one budget for the whole
// deployment, so spreading guesses over the replicas behind a load balancer does not multiply it.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { rawRequest } from "../../../test/support/raw-http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";

const LIMIT = 5;
const CLIENT = "127.0.0.1";
const it = serverTest({ settings: { authRateLimitPerMinute: LIMIT, trustProxy: [CLIENT] } });

describe.skipIf(postgresStackMissing())("A2: rate limits across replicas", () => {
  it("shares one account's budget between replicas (Redis)", async ({ server, replica }) => {
    const name = `victim_${randomBytes(4).toString("hex")}`;
    const registered = await rawRequest(server.url, "POST", "/api/v1/auth/register", {
      body: { username: name, email: `${name}@example.test`, password: "the-right-password" },
    });
    expect(registered.status).toBe(201);
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      // Each guess from another client (as the trusted proxy reports it), alternating the replica.
      const target = i % 2 === 0 ? server : replica;
      const guess = await rawRequest(target.url, "POST", "/api/v1/auth/login", {
        body: { username: name, password: `guess-${i}` },
        localAddress: CLIENT,
        headers: { "x-forwarded-for": `192.0.2.${50 + i}` },
      });
      statuses.push(guess.status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });
});
