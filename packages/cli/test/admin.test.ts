// `garageswarm admin`: accounts and invites from the CLI, spawned against a real server whose registration
// is invite-only (so an invite is the only way in besides an admin creating the account).
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUserAsAdmin, signInAdmin } from "../../../test/support/users.ts";
import { cliTest, runCli } from "./cli.support.ts";

const ADMIN_PASSWORD = "cli-admin-test-pw";
const it = cliTest({ settings: { registration: "invite", adminPassword: ADMIN_PASSWORD } }).extend(
  "adminKey",
  { scope: "file" },
  async ({ api }) => newKey(api, await signInAdmin(api, ADMIN_PASSWORD)),
);

async function newKey(api: ApiClient, token: string): Promise<string> {
  const created = await api.post("/api/v1/keys", { name: "cli" }, { token });
  if (created.status !== 201) throw new Error(`create key failed: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body.key;
}

describe.skipIf(postgresStackMissing())("garageswarm admin", () => {
  it("a non-admin gets the server's 403 detail, not a stack", async ({ server, api }) => {
    const plain = await createUserAsAdmin(api, await signInAdmin(api, ADMIN_PASSWORD));
    const key = await newKey(api, plain.access_token);
    for (const args of [
      ["admin", "users"],
      ["admin", "invites"],
      ["admin", "invite", "create"],
    ]) {
      const run = await runCli([...args, "--server", server.url, "--key", key]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe("garageswarm: only an administrator may do this (HTTP 403)");
    }
  });

  it("an admin creates an invite, a user registers with it, and the invite shows as used", async ({
    server,
    api,
    adminKey,
  }) => {
    const created = await runCli([
      "admin",
      "invite",
      "create",
      "--days",
      "2",
      "--server",
      server.url,
      "--key",
      adminKey,
    ]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("it is not shown again");
    const link = new URL(created.stdout.trim());
    expect(`${link.origin}${link.pathname}`).toBe(`${server.url}/register`);
    const token = link.searchParams.get("invite") ?? "";

    const username = `invited_${randomBytes(4).toString("hex")}`;
    const registered = await api.post("/api/v1/auth/register", {
      username,
      email: `${username}@example.test`,
      password: "long-enough-pw",
      invite: token,
    });
    expect(registered.status).toBe(201);

    const invites = await runCli(["admin", "invites", "--json", "--server", server.url, "--key", adminKey]);
    const invite = JSON.parse(invites.stdout).find(
      (item: { used_by_user_id: string | null }) => item.used_by_user_id === registered.body.user_id,
    );
    expect(invite).toMatchObject({ status: "used", email: null });
    const hours = (Date.parse(invite.expires_at) - Date.parse(invite.created_at)) / 3_600_000;
    expect(Math.round(hours)).toBe(48);
    const table = await runCli(["admin", "invites", "--server", server.url, "--key", adminKey]);
    expect(table.stdout).toMatch(new RegExp(`^${invite.invite_id}\\s+\\(anyone\\)\\s+used\\s`, "m"));

    const users = await runCli(["admin", "users", "--server", server.url, "--key", adminKey]);
    expect(users.code).toBe(0);
    expect(users.stdout).toMatch(/^ID\s+USERNAME\s+EMAIL\s+ADMIN\s+ACTIVE\s+CREATED\s+LAST LOGIN$/m);
    expect(users.stdout).toMatch(/\sadmin\s+\S+\s+yes\s+yes\s/);
    expect(users.stdout).toMatch(new RegExp(`\\s${username}\\s+${username}@example\\.test\\s+no\\s+yes\\s`));
  });

  it("invites: --email binds one, --days is checked, revoke stops it", async ({ server, api, adminKey }) => {
    const bad = await runCli(["admin", "invite", "create", "--days", "31", "--server", server.url, "--key", adminKey]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--days must be a whole number from 1 to 30");

    const created = await runCli([
      "admin",
      "invite",
      "create",
      "--email",
      "only@example.test",
      "--json",
      "--server",
      server.url,
      "--key",
      adminKey,
    ]);
    expect(created.code).toBe(0);
    const invite = JSON.parse(created.stdout);
    expect(invite).toMatchObject({ email: "only@example.test", status: "pending", token: expect.any(String) });

    const revoked = await runCli([
      "admin",
      "invite",
      "revoke",
      invite.invite_id,
      "--server",
      server.url,
      "--key",
      adminKey,
    ]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked invite ${invite.invite_id}.`);
    const listed = JSON.parse(
      (await runCli(["admin", "invites", "--json", "--server", server.url, "--key", adminKey])).stdout,
    );
    expect(listed.find((item: { invite_id: string }) => item.invite_id === invite.invite_id)).toMatchObject({
      status: "revoked",
    });
    const refused = await api.post("/api/v1/auth/register", {
      username: `late_${randomBytes(4).toString("hex")}`,
      email: "only@example.test",
      password: "long-enough-pw",
      invite: invite.token,
    });
    expect(refused.status).toBe(403);
  });

  it("user create (password asked), disable stops their key, enable restores it", async ({ server, api, adminKey }) => {
    const username = `made_${randomBytes(4).toString("hex")}`;
    const created = await runCli(
      ["admin", "user", "create", username, "--email", `${username}@example.test`, "--json", "--server", server.url],
      { GARAGESWARM_KEY: adminKey },
      "typed-at-the-prompt\n",
    );
    expect(created.code).toBe(0);
    // The prompt ("Password for …: ") is written to stdout before the JSON, as login's is.
    expect(created.stdout).toMatch(new RegExp(`^Password for ${username}: \\{`));
    const user = JSON.parse(created.stdout.slice(created.stdout.indexOf("{")));
    expect(user).toMatchObject({ username, is_admin: false, is_active: true });
    const login = await api.post("/api/v1/auth/login", { username, password: "typed-at-the-prompt" });
    expect(login.status).toBe(200);
    const userKey = await newKey(api, login.body.access_token);
    expect((await runCli(["task", "list", "--server", server.url, "--key", userKey])).code).toBe(0);

    const disabled = await runCli([
      "admin",
      "user",
      "disable",
      user.user_id,
      "--server",
      server.url,
      "--key",
      adminKey,
    ]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toContain(`Disabled ${username} (${user.user_id}).`);
    const refused = await runCli(["task", "list", "--server", server.url, "--key", userKey]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("refused the API key");
    const listed = JSON.parse(
      (await runCli(["admin", "users", "--json", "--server", server.url, "--key", adminKey])).stdout,
    );
    expect(listed.find((item: { user_id: string }) => item.user_id === user.user_id)).toMatchObject({
      is_active: false,
    });

    const enabled = await runCli(["admin", "user", "enable", user.user_id, "--server", server.url, "--key", adminKey]);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toContain(`Enabled ${username} (${user.user_id}).`);
    expect((await runCli(["task", "list", "--server", server.url, "--key", userKey])).code).toBe(0);

    const duplicate = await runCli(
      ["admin", "user", "create", username, "--email", "other@example.test", "--password", "long-enough-pw"],
      { GARAGESWARM_KEY: adminKey, GARAGESWARM_SERVER: server.url },
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/HTTP 409/);
  });
});
