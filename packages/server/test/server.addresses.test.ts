// GET /api/v1/server-addresses over real HTTP: where other machines can reach this server, for Add worker.
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("server addresses", () => {
  it("says the address in use is loopback, and that a server on 127.0.0.1 offers no network address", async ({
    server,
    api,
    user,
  }) => {
    const answer = await api.get("/api/v1/server-addresses", { token: user.access_token });
    expect(answer.status).toBe(200);
    // The test server listens on 127.0.0.1: other machines cannot reach it at all.
    expect(answer.body).toEqual({ origin: server.url, loopback: true, lan_origins: [], loopback_only: true });
  });

  it("is for people and full keys: none without a credential, none for a worker key", async ({ api, user }) => {
    const anonymous = await api.get("/api/v1/server-addresses");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
    const workerKey = await api.post(
      "/api/v1/keys",
      { name: "a worker", scope: "worker" },
      { token: user.access_token },
    );
    expect((await api.get("/api/v1/server-addresses", { token: workerKey.body.key })).status).toBe(403);
  });
});
