// A11 (security review 2026-12-01): anyone who could reach the port could create an account, and admins
// could neither turn that off nor disable an account. Each test performs the review's attack (or the
// missing control) over real HTTP/WebSocket and asserts it now fails: registration follows the
// `registration` setting (`invite` here, `closed` below), invites are single use even under a race, and
// disabling a user stops their access token, refresh token, API key and open sockets at once.
import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer } from "../../../test/support/server.ts";
import { createApiKey, createUserAsAdmin, signInAdmin } from "../../../test/support/users.ts";
import { connectPeer, connectWorker, toWebSocketUrl } from "../../../test/support/ws.ts";
import { registerWorker } from "./queue.support.ts";

const ADMIN_PASSWORD = "registration-admin-pw";
// Moved forward to expire invites without waiting.
let clockOffsetMs = 0;
const it = serverTest({
  settings: { registration: "invite", adminPassword: ADMIN_PASSWORD },
  clock: { now: () => new Date(Date.now() + clockOffsetMs) },
}).extend("admin", { scope: "file" }, ({ api }) => signInAdmin(api, ADMIN_PASSWORD));

function newAccount(prefix = "reg") {
  const username = `${prefix}_${randomBytes(4).toString("hex")}`;
  return { username, email: `${username}@example.test`, password: "long-enough-pw" };
}

describe.skipIf(postgresStackMissing())("A11: registration modes, invites and disabling users", () => {
  it("invite mode: the public setting says so, and registering without a valid invite is refused", async ({ api }) => {
    expect((await api.get("/api/v1/auth/registration")).body).toEqual({ mode: "invite" });
    const without = await api.post("/api/v1/auth/register", newAccount());
    expect(without.status).toBe(403);
    expect(without.headers.get("content-type")).toContain("application/problem+json");
    expect(without.body.errors[0].field).toBe("body.invite");
    const forged = await api.post("/api/v1/auth/register", { ...newAccount(), invite: "gsi_made-up" });
    expect(forged.status).toBe(403);
  });

  it("one invite makes exactly one account, even when two registrations race for it", async ({ api, admin }) => {
    const invite = await api.post("/api/v1/admin/invites", {}, { token: admin });
    expect(invite.status).toBe(201);
    expect(invite.body.token).toMatch(/^gsi_/);

    const racers = [newAccount("racer"), newAccount("racer")];
    const answers = await Promise.all(
      racers.map((account) => api.post("/api/v1/auth/register", { ...account, invite: invite.body.token })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 403]);
    const winner = answers.find((answer) => answer.status === 201)!;
    const loser = racers[answers.findIndex((answer) => answer.status === 403)]!;
    // The loser's account was not half-made: it cannot sign in.
    const login = { username: loser.username, password: loser.password };
    expect((await api.post("/api/v1/auth/login", login)).status).toBe(401);

    const again = await api.post("/api/v1/auth/register", { ...newAccount(), invite: invite.body.token });
    expect(again.status).toBe(403);
    const listed = (await api.get("/api/v1/admin/invites", { token: admin })).body.items;
    expect(listed.find((item: any) => item.invite_id === invite.body.invite_id)).toMatchObject({
      status: "used",
      used_by_user_id: winner.body.user_id,
    });
    expect(JSON.stringify(listed)).not.toContain(invite.body.token);
  });

  it("refuses expired, revoked and other-email invites; a refused sign-up leaves the invite usable", async ({
    api,
    admin,
  }) => {
    const expiring = await api.post("/api/v1/admin/invites", { expires_in_hours: 1 }, { token: admin });
    clockOffsetMs = 2 * 3600 * 1000;
    try {
      const late = await api.post("/api/v1/auth/register", { ...newAccount(), invite: expiring.body.token });
      expect(late.status).toBe(403);
    } finally {
      clockOffsetMs = 0;
    }

    const revoked = await api.post("/api/v1/admin/invites", {}, { token: admin });
    expect((await api.delete(`/api/v1/admin/invites/${revoked.body.invite_id}`, { token: admin })).status).toBe(204);
    expect((await api.post("/api/v1/auth/register", { ...newAccount(), invite: revoked.body.token })).status).toBe(403);

    const forBob = await api.post("/api/v1/admin/invites", { email: "bob@example.test" }, { token: admin });
    const mallory = { ...newAccount("mallory"), invite: forBob.body.token };
    expect((await api.post("/api/v1/auth/register", mallory)).status).toBe(403);
    // A taken username with a valid invite: 409, and the invite is still there for a second try.
    const taken = await api.post("/api/v1/auth/register", {
      username: "admin",
      email: "bob@example.test",
      password: "long-enough-pw",
      invite: forBob.body.token,
    });
    expect(taken.status).toBe(409);
    const bob = await api.post("/api/v1/auth/register", {
      username: `bob_${randomBytes(3).toString("hex")}`,
      email: "BOB@example.test",
      password: "long-enough-pw",
      invite: forBob.body.token,
    });
    expect(bob.status).toBe(201);
  });

  it("closed mode: register answers 403 saying registration is closed, and admins still create users", async () => {
    const server = await startTestServer({ registration: "closed", adminPassword: ADMIN_PASSWORD });
    try {
      const api = apiClient(server.url);
      expect((await api.get("/api/v1/auth/registration")).body).toEqual({ mode: "closed" });
      const refused = await api.post("/api/v1/auth/register", newAccount());
      expect(refused.status).toBe(403);
      expect(refused.body.detail).toContain("registration is closed");
      const admin = await signInAdmin(api, ADMIN_PASSWORD);
      const user = await createUserAsAdmin(api, admin);
      expect((await api.get("/api/v1/auth/me", { token: user.access_token })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it("disabling a user stops their access token, refresh token, API key and open sockets at once", async ({
    server,
    api,
    admin,
  }) => {
    const victim = await createUserAsAdmin(api, admin);
    const key = await createApiKey(api, victim);
    const worker = await registerWorker(api, key);
    const workerSocket = await connectWorker(server.url, key, {
      worker_id: worker.worker_id,
      machine_id: String(worker.machine_id),
      tools: [],
    });
    const clientSocket = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${victim.user_id}`), {
      authorization: `Bearer ${victim.access_token}`,
    });
    const closed = (socket: typeof workerSocket) =>
      new Promise<number>((resolve) => socket.socket.once("close", (code) => resolve(code)));
    const workerClosed = closed(workerSocket);
    const clientClosed = closed(clientSocket);

    const disabled = await api.post(`/api/v1/admin/users/${victim.user_id}/disable`, undefined, { token: admin });
    expect(disabled.status).toBe(200);
    expect(disabled.body.is_active).toBe(false);

    expect((await api.get("/api/v1/auth/me", { token: victim.access_token })).status).toBe(401);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: key })).status).toBe(401);
    expect((await api.post("/api/v1/auth/refresh", { refresh_token: victim.refresh_token })).status).toBe(401);
    const login = { username: victim.username, password: victim.password };
    expect((await api.post("/api/v1/auth/login", login)).status).toBe(401);
    expect(await workerClosed).toBe(4403);
    expect(await clientClosed).toBe(4403);
    await expect(
      connectWorker(server.url, key, { worker_id: worker.worker_id, machine_id: "m", tools: [] }),
    ).rejects.toMatchObject({ status: 401 });
    const row = await server.resources.db.query.workers.findFirst({
      where: (workers, { eq }) => eq(workers.worker_id, worker.worker_id),
    });
    expect(row?.status).toBe("offline");

    // Re-enabled: the key works again; the old session does not come back, a new sign-in does.
    const enabled = await api.post(`/api/v1/admin/users/${victim.user_id}/enable`, undefined, { token: admin });
    expect(enabled.body.is_active).toBe(true);
    expect((await api.get(`/api/v1/workers/${worker.worker_id}`, { token: key })).status).toBe(200);
    expect((await api.post("/api/v1/auth/refresh", { refresh_token: victim.refresh_token })).status).toBe(401);
    expect((await api.post("/api/v1/auth/login", login)).status).toBe(200);
  });

  it("an admin cannot disable themselves, and two admins disabling each other leave one active", async ({
    api,
    admin,
  }) => {
    const me = (await api.get("/api/v1/auth/me", { token: admin })).body;
    const self = await api.post(`/api/v1/admin/users/${me.user_id}/disable`, undefined, { token: admin });
    expect(self.status).toBe(409);

    const first = await createUserAsAdmin(api, admin, undefined, { is_admin: true });
    const second = await createUserAsAdmin(api, admin, undefined, { is_admin: true });
    const answers = await Promise.all([
      api.post(`/api/v1/admin/users/${second.user_id}/disable`, undefined, { token: first.access_token }),
      api.post(`/api/v1/admin/users/${first.user_id}/disable`, undefined, { token: second.access_token }),
    ]);
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(1);
    const users = (await api.get("/api/v1/admin/users", { token: admin })).body.items;
    const pair = users.filter((user: any) => [first.user_id, second.user_id].includes(user.user_id));
    expect(pair.filter((user: any) => user.is_active)).toHaveLength(1);
  });

  it("non-admins, and admins' worker keys, get 403 on every admin route", async ({ api, admin }) => {
    const someone = await createUserAsAdmin(api, admin);
    const adminWorkerKey = (
      await api.post("/api/v1/keys", { name: "admin's worker", scope: "worker" }, { token: admin })
    ).body.key;
    const id = someone.user_id;
    const routes: Array<[string, string, unknown?]> = [
      ["GET", "/api/v1/admin/users"],
      ["POST", "/api/v1/admin/users", newAccount()],
      ["POST", `/api/v1/admin/users/${id}/disable`],
      ["POST", `/api/v1/admin/users/${id}/enable`],
      ["GET", "/api/v1/admin/invites"],
      ["POST", "/api/v1/admin/invites", {}],
      ["DELETE", `/api/v1/admin/invites/${id}`],
    ];
    for (const credential of [someone.access_token, await createApiKey(api, someone), adminWorkerKey]) {
      for (const [method, path, body] of routes) {
        const answer = await api.request(method, path, { token: credential, body });
        expect([method, path, answer.status]).toEqual([method, path, 403]);
        expect(answer.headers.get("content-type")).toContain("application/problem+json");
      }
    }
  });
});
