// Bad input gets a clear 4xx problem naming the field, never a 500, and writes nothing.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing, type TestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { selectRows } from "../src/db/store.ts";

// Two servers: one whose rate limit stays out of the way of many bad requests, one that shows the limit.
const it = serverTest({ settings: { authRateLimitPerMinute: 1000 } });
const limitedIt = serverTest({ settings: { authRateLimitPerMinute: 3 } });

describe.skipIf(postgresStackMissing())("auth endpoints under bad input", () => {
  async function rowCounts(server: TestServer) {
    const [counts] = await selectRows(
      server.resources.db,
      sql`select (select count(*) from users)::int as users, (select count(*) from refresh_tokens)::int as tokens,
                 (select count(*) from api_keys)::int as keys`,
    );
    return counts;
  }

  const cases: Array<
    [string, { rawBody?: string; body?: unknown; headers?: Record<string, string> }, number, string?]
  > = [
    ["malformed JSON", { rawBody: '{"username": "a", ' }, 400, "body"],
    ["a JSON array", { body: [1, 2, 3] }, 400],
    ["wrong types", { body: { username: 42, email: true, password: ["x"] } }, 400, "body.username"],
    ["a missing field", { body: { username: "valid_name", password: "long-enough-pw" } }, 400, "body.email"],
    [
      "an unknown field",
      { body: { username: "valid_name2", email: "v2@example.test", password: "long-enough-pw", is_admin: true } },
      400,
    ],
    [
      "a short password",
      { body: { username: "valid_name3", email: "v3@example.test", password: "short" } },
      400,
      "body.password",
    ],
    [
      "a bad email",
      { body: { username: "valid_name4", email: "not-an-email", password: "long-enough-pw" } },
      400,
      "body.email",
    ],
    [
      "SQL in the username",
      { body: { username: "x'; drop table users; --", email: "sql@example.test", password: "long-enough-pw" } },
      400,
      "body.username",
    ],
    [
      "a 2 MB body",
      { body: { username: "big_name", email: "big@example.test", password: "x".repeat(2 * 1024 * 1024) } },
      413,
      "body",
    ],
    ["text/plain content", { rawBody: "username=a", headers: { "content-type": "text/plain" } }, 400, "body"],
    [
      "a NUL byte",
      { body: { username: "nul\u0000name", email: "nul@example.test", password: "long-enough-pw" } },
      400,
      "body.username",
    ],
  ];

  it.for(cases)("register with %s: a problem, nothing written", async ([, input, status, field], { server, api }) => {
    const before = await rowCounts(server);
    const response = await api.request("POST", "/api/v1/auth/register", input);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body.status).toBe(status);
    if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await rowCounts(server)).toEqual(before);
  });

  it("accepts unicode names and emails it can store, and finds them again", async ({ api }) => {
    const response = await api.post("/api/v1/auth/register", {
      username: "Jürgen_李",
      email: "jurgen@example.test",
      password: "pässwörd-🔑-long",
    });
    expect(response.status).toBe(201);
    const login = await api.post("/api/v1/auth/login", { username: "jürgen_李", password: "pässwörd-🔑-long" });
    expect(login.status).toBe(200);
  });

  it("treats SQL-looking login input as plain text", async ({ api }) => {
    await createUser(api);
    const response = await api.post("/api/v1/auth/login", { username: "' or '1'='1", password: "' or '1'='1" });
    expect(response.status).toBe(401);
  });

  it("refuses a refresh token that is garbage, empty or of the wrong type", async ({ api }) => {
    for (const body of [{ refresh_token: "gsr_nonsense" }, { refresh_token: "" }, { refresh_token: 12 }, {}]) {
      const response = await api.post("/api/v1/auth/refresh", body);
      expect([400, 401]).toContain(response.status);
      expect(response.body.errors?.[0]?.field).toBe("body.refresh_token");
    }
  });
});

describe.skipIf(postgresStackMissing())("auth rate limits", () => {
  limitedIt("limits login attempts per account and per IP with a 429 problem", async ({ api }) => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await api.post("/api/v1/auth/login", { username: "target", password: `guess-${i}` })).status);
    }
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    const limited = await api.post("/api/v1/auth/login", { username: "target", password: "again" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
  });
});
