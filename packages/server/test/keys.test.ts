import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("API keys", () => {
  it("shows the secret once, authenticates with it, never lists it, and stops working when revoked", async ({
    api,
  }) => {
    const user = await createUser(api);
    const created = await api.post("/api/v1/keys", { name: "laptop" }, { token: user.access_token });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^gs_[A-Za-z0-9_-]{40,}$/);
    expect(created.body.key.startsWith(created.body.prefix)).toBe(true);

    const me = await api.get("/api/v1/auth/me", { token: created.body.key });
    expect(me.status).toBe(200);
    expect(me.body.user_id).toBe(user.user_id);

    const list = await api.get("/api/v1/keys", { token: user.access_token });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ key_id: created.body.key_id, name: "laptop", revoked_at: null });
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.items[0].last_used_at).not.toBeNull();

    const revoked = await api.delete(`/api/v1/keys/${created.body.key_id}`, { token: user.access_token });
    expect(revoked.status).toBe(204);
    expect((await api.get("/api/v1/auth/me", { token: created.body.key })).status).toBe(401);
  });

  it("answers 404 for another user's key, and that key keeps working", async ({ api }) => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const created = await api.post("/api/v1/keys", { name: "mine" }, { token: owner.access_token });
    const attempt = await api.delete(`/api/v1/keys/${created.body.key_id}`, { token: stranger.access_token });
    expect(attempt.status).toBe(404);
    expect((await api.get("/api/v1/auth/me", { token: created.body.key })).status).toBe(200);
    expect((await api.get("/api/v1/keys", { token: stranger.access_token })).body.items).toEqual([]);
  });

  it("rejects a key creation without a name, and a malformed key id", async ({ api }) => {
    const user = await createUser(api);
    const noName = await api.post("/api/v1/keys", { name: "  " }, { token: user.access_token });
    expect(noName.status).toBe(400);
    expect(noName.body.errors[0].field).toBe("body.name");
    const badId = await api.delete("/api/v1/keys/not-a-uuid", { token: user.access_token });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].field).toBe("path.id");
  });
});
