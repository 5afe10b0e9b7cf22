// A17 (security review 2026-12-01), the register half: `/auth/register` answered "username is already
// taken" or "email is already registered", so anyone could test which accounts exist. These tests try
// that and assert the answers no longer differ: one generic 409 for any taken name or email, and in
// invite mode nothing about names at all without a valid invite.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";

const it = serverTest();
const fresh = () => `free_${randomBytes(4).toString("hex")}`;

describe.skipIf(postgresStackMissing())("A17: register does not tell which accounts exist", () => {
  it("answers a taken username, a taken email and both taken with the same 409", async ({ api }) => {
    const alice = await createUser(api);
    const password = "long-enough-pw";
    const attempts = [
      { username: alice.username, email: `${fresh()}@example.test`, password },
      { username: fresh(), email: alice.email, password },
      { username: alice.username.toUpperCase(), email: alice.email.toUpperCase(), password },
    ];
    const answers = await Promise.all(attempts.map((body) => api.post("/api/v1/auth/register", body)));
    for (const answer of answers) {
      expect(answer.status).toBe(409);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      expect(answer.body).toEqual(answers[0]!.body);
    }
    expect(JSON.stringify(answers[0]!.body)).not.toMatch(/username is|email is|body\.(username|email)/);
  });

  it("in invite mode, without a valid invite a taken name answers exactly like a free one", async () => {
    const server = await startTestServer({ registration: "invite", adminPassword: "enumeration-admin-pw" });
    try {
      const api = apiClient(server.url);
      const body = (username: string) => ({
        username,
        email: `${username}@example.test`,
        password: "long-enough-pw",
        invite: "gsi_guessed",
      });
      const taken = await api.post("/api/v1/auth/register", body("admin"));
      const free = await api.post("/api/v1/auth/register", body(fresh()));
      expect(taken.status).toBe(403);
      expect(taken.body).toEqual(free.body);
    } finally {
      await server.close();
    }
  });
});
