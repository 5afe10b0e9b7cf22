// A5 (security review 2026-12-01), second half: with the signing secret, a token worked for any `sub` as
// long as its `fam` named some live session, so the forger's own login family was enough to become the
// admin. This test signs such a token with the server's real secret (passed in as `jwtSecret`) and
// asserts it is now refused: the family must belong to the token's user.
import { randomUUID } from "node:crypto";
import { decodeJwt, SignJWT } from "jose";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";

const SECRET = "a-test-signing-secret-of-at-least-32-characters";
const it = serverTest({ settings: { jwtSecret: SECRET } });

function forge(claims: { sub: string; fam: string }): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ fam: claims.fam })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setJti(randomUUID())
    .setIssuer("garageswarm")
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(SECRET));
}

describe.skipIf(postgresStackMissing())("A5: an access token's session family must be its user's", () => {
  it("refuses a token with another user's sub and the forger's own live family", async ({ api }) => {
    const victim = await createUser(api);
    const mallory = await createUser(api);
    const malloryFamily = String(decodeJwt(mallory.access_token).fam);

    // The forging works: the same recipe with mallory's own sub is accepted.
    const own = await forge({ sub: mallory.user_id, fam: malloryFamily });
    expect((await api.get("/api/v1/auth/me", { token: own })).body.username).toBe(mallory.username);

    const forged = await forge({ sub: victim.user_id, fam: malloryFamily });
    const answer = await api.get("/api/v1/auth/me", { token: forged });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("content-type")).toContain("application/problem+json");
    expect((await api.get("/api/v1/tasks", { token: forged })).status).toBe(401);
  });

  it("refuses a token whose ids are not UUIDs with 401, not a server error", async ({ api }) => {
    const user = await createUser(api);
    const family = String(decodeJwt(user.access_token).fam);
    for (const claims of [
      { sub: "admin", fam: family },
      { sub: user.user_id, fam: "not-a-uuid" },
    ]) {
      expect((await api.get("/api/v1/auth/me", { token: await forge(claims) })).status).toBe(401);
    }
  });
});
