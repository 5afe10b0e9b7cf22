import { eq } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { auditLog } from "../src/db/schema.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("auth sessions", () => {
  it("registers, logs in by username or email, and answers me without any hash", async ({ api }) => {
    const user = await createUser(api);
    const byEmail = await api.post("/api/v1/auth/login", {
      username: user.email.toUpperCase(),
      password: user.password,
    });
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toMatchObject({ token_type: "bearer", expires_in: 900 });
    const me = await api.get("/api/v1/auth/me", { token: byEmail.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user_id: user.user_id, username: user.username, email: user.email });
    expect(JSON.stringify(me.body)).not.toMatch(/hash|argon/i);
  });

  it("signs in a user whose name JavaScript and PostgreSQL lowercase differently (review B3)", async ({ api }) => {
    // `İ` lowercases to `i̇` in JavaScript and to `i` (or itself) in PostgreSQL: the lookup must use one rule.
    const suffix = Date.now().toString(36);
    const username = `İstanbul_${suffix}`;
    const password = "a-long-password";
    const registered = await api.post("/api/v1/auth/register", {
      username,
      email: `ist_${suffix}@example.test`,
      password,
    });
    expect(registered.status).toBe(201);
    for (const login of [username, username.toUpperCase(), `istanbul_${suffix}`.toUpperCase()]) {
      const signedIn = await api.post("/api/v1/auth/login", { username: login, password });
      expect(signedIn.status).toBe(200);
    }
  });

  it("refuses a wrong password and an unknown user the same way", async ({ api }) => {
    const user = await createUser(api);
    const wrong = await api.post("/api/v1/auth/login", { username: user.username, password: "not-the-password" });
    const unknown = await api.post("/api/v1/auth/login", { username: "nobody-here", password: "whatever-pw" });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
    expect(wrong.headers.get("content-type")).toContain("application/problem+json");
  });

  it("rejects a duplicate username or email with one 409 that does not say which (A17)", async ({ api }) => {
    const user = await createUser(api);
    const sameName = await api.post("/api/v1/auth/register", {
      username: user.username.toUpperCase(),
      email: "other@example.test",
      password: "long-enough-pw",
    });
    expect(sameName.status).toBe(409);
    const sameEmail = await api.post("/api/v1/auth/register", {
      username: "another_name_x",
      email: user.email,
      password: "long-enough-pw",
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toEqual(sameName.body);
  });

  it("rotates refresh tokens, and reusing a rotated one revokes the whole family", async ({ api }) => {
    const user = await createUser(api);
    const first = await api.post("/api/v1/auth/refresh", { refresh_token: user.refresh_token });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(user.refresh_token);

    const replay = await api.post("/api/v1/auth/refresh", { refresh_token: user.refresh_token });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toMatch(/reused/);

    // The legitimate newest token and its access token die with the family.
    const afterReuse = await api.post("/api/v1/auth/refresh", { refresh_token: first.body.refresh_token });
    expect(afterReuse.status).toBe(401);
    const me = await api.get("/api/v1/auth/me", { token: first.body.access_token });
    expect(me.status).toBe(401);
  });

  it("logout revokes the access token and the refresh family", async ({ api }) => {
    const user = await createUser(api);
    const out = await api.post("/api/v1/auth/logout", {}, { token: user.access_token });
    expect(out.status).toBe(204);
    expect((await api.get("/api/v1/auth/me", { token: user.access_token })).status).toBe(401);
    expect((await api.post("/api/v1/auth/refresh", { refresh_token: user.refresh_token })).status).toBe(401);
  });

  it("change-password keeps this session and signs out every other one", async ({ api }) => {
    const user = await createUser(api);
    const other = await api.post("/api/v1/auth/login", { username: user.username, password: user.password });
    const wrong = await api.post(
      "/api/v1/auth/change-password",
      { current_password: "wrong-password", new_password: "a-new-password" },
      { token: user.access_token },
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors[0].field).toBe("body.current_password");

    const changed = await api.post(
      "/api/v1/auth/change-password",
      { current_password: user.password, new_password: "a-new-password" },
      { token: user.access_token },
    );
    expect(changed.status).toBe(204);
    expect((await api.get("/api/v1/auth/me", { token: user.access_token })).status).toBe(200);
    expect((await api.get("/api/v1/auth/me", { token: other.body.access_token })).status).toBe(401);
    expect((await api.post("/api/v1/auth/refresh", { refresh_token: other.body.refresh_token })).status).toBe(401);
    const oldPassword = await api.post("/api/v1/auth/login", { username: user.username, password: user.password });
    expect(oldPassword.status).toBe(401);
    const newPassword = await api.post("/api/v1/auth/login", { username: user.username, password: "a-new-password" });
    expect(newPassword.status).toBe(200);
  });

  it("refuses tampered, foreign and missing tokens", async ({ api }) => {
    const user = await createUser(api);
    const [header, payload] = user.access_token.split(".");
    const forged = `${header}.${payload}.c2lnbmF0dXJl`;
    expect((await api.get("/api/v1/auth/me", { token: forged })).status).toBe(401);
    expect((await api.get("/api/v1/auth/me", { token: "garbage" })).status).toBe(401);
    const missing = await api.get("/api/v1/auth/me");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/Bearer/);
  });

  it("writes every auth event to the audit log", async ({ server, api }) => {
    const user = await createUser(api);
    await api.post("/api/v1/auth/login", { username: user.username, password: "bad-password!" });
    const rows = await server.resources.db.select().from(auditLog).where(eq(auditLog.user_id, user.user_id));
    expect(rows.map((row) => row.action).sort()).toEqual(["auth.login", "auth.login_failed", "auth.register"]);
  });
});
