// Pairing codes over real HTTP: a person (or a `full` key) makes one, a machine exchanges it once for a
// `worker` key of the owner. Each attack an account holder or a stranger could try is performed and fails:
// replaying a used code, using an expired or made-up one (the same answer for all three), racing one code,
// a worker key making codes, a code used as a bearer token, another user's code id, guessing at speed.
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import type { ApiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, type TestServer } from "../../../test/support/server.ts";
import { createUser } from "../../../test/support/users.ts";
import { selectRows } from "../src/db/store.ts";
import { MAX_OPEN_CODES_PER_USER } from "../src/enrolment/service.ts";
import { manualClock, registerWorker } from "./queue.support.ts";

const clock = manualClock();
const it = serverTest({ clock, settings: { authRateLimitPerMinute: 1000 } });
const limitedIt = serverTest({ settings: { authRateLimitPerMinute: 3 } });

async function createCode(api: ApiClient, token: string, body: Record<string, unknown> = {}) {
  const created = await api.post("/api/v1/enrolment-codes", body, { token });
  if (created.status !== 201) throw new Error(`create code: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body as {
    enrolment_code_id: string;
    code: string;
    expires_at: string;
    name: string | null;
    labels: string[];
    install: { sh: string; ps1: string; url: string };
  };
}

async function auditActions(server: TestServer, userId: string): Promise<string[]> {
  const rows = await selectRows<{ action: string }>(
    server.resources.db,
    sql`select action from audit_log where user_id = ${userId}::uuid and action like 'enrolment_code.%' order by audit_id`,
  );
  return rows.map((row) => row.action);
}

describe.skipIf(postgresStackMissing())("enrolment with pairing codes", () => {
  it("a code is made by a signed-in user and exchanged once for a worker key of that user", async ({ server, api }) => {
    const owner = await createUser(api);
    const created = await createCode(api, owner.access_token, { name: "gpu-box", labels: ["gpu"] });
    expect(created.code).toMatch(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(Date.parse(created.expires_at) - clock.now().getTime()).toBe(10 * 60 * 1000);
    const origin = server.url;
    expect(created.install).toEqual({
      sh: `curl -fsSL ${origin}/install.sh | sh -s -- --code ${created.code}`,
      ps1: `& ([scriptblock]::Create((irm ${origin}/install.ps1))) -Code ${created.code}`,
      url: `${origin}/install.sh?code=${created.code}`,
    });

    // Listed while open, never with its text; the database holds only a hash.
    const listed = await api.get("/api/v1/enrolment-codes", { token: owner.access_token });
    expect(listed.body.items).toEqual([
      {
        enrolment_code_id: created.enrolment_code_id,
        name: "gpu-box",
        labels: ["gpu"],
        created_at: expect.any(String),
        expires_at: created.expires_at,
      },
    ]);
    const stored = await selectRows<Record<string, unknown>>(
      server.resources.db,
      sql`select * from enrolment_codes where enrolment_code_id = ${created.enrolment_code_id}::uuid`,
    );
    expect(JSON.stringify(stored)).not.toContain(created.code);
    expect(JSON.stringify(stored)).not.toContain(created.code.replace("-", ""));

    // Typed sloppily (lower case, no dash), from a machine that names itself.
    const typed = created.code.toLowerCase().replace("-", "");
    const enrolled = await api.post("/api/v1/enrol", { code: typed, name: "gpu-box-2", platform: "linux" });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body).toEqual({
      key: expect.stringMatching(/^gs_/),
      key_id: expect.any(String),
      name: "gpu-box-2",
      labels: ["gpu"],
    });
    const key = enrolled.body.key as string;

    // The key is a worker key of the owner: it registers a worker, and may not read the owner's tasks.
    const keys = await api.get("/api/v1/keys", { token: owner.access_token });
    expect(keys.body.items).toContainEqual(
      expect.objectContaining({ key_id: enrolled.body.key_id, scope: "worker", name: "worker: gpu-box-2" }),
    );
    await registerWorker(api, key, { tools: ["ollama"] });
    expect((await api.get("/api/v1/tasks", { token: key })).status).toBe(403);

    // Used: no longer listed, and a replay gets the answer a made-up code gets.
    expect((await api.get("/api/v1/enrolment-codes", { token: owner.access_token })).body.items).toEqual([]);
    const replay = await api.post("/api/v1/enrol", { code: created.code });
    const madeUp = await api.post("/api/v1/enrol", { code: "ZZZZ-ZZZZ" });
    expect(replay.status).toBe(400);
    expect(replay.headers.get("content-type")).toContain("application/problem+json");
    expect(replay.body.errors).toEqual([{ field: "body.code", message: expect.stringContaining("unknown") }]);
    expect(madeUp.status).toBe(replay.status);
    expect(madeUp.body).toEqual(replay.body);

    expect(await auditActions(server, owner.user_id)).toEqual(["enrolment_code.create", "enrolment_code.use"]);
    const use = await selectRows<{ detail: Record<string, unknown> }>(
      server.resources.db,
      sql`select detail from audit_log where action = 'enrolment_code.use' and user_id = ${owner.user_id}::uuid`,
    );
    expect(use[0]?.detail).toMatchObject({ key_id: enrolled.body.key_id, name: "gpu-box-2", platform: "linux" });
  });

  it("an expired code gets the same answer as a made-up one, and mints nothing", async ({ server, api }) => {
    const owner = await createUser(api);
    const created = await createCode(api, owner.access_token);
    clock.advance(10 * 60 + 1);
    const expired = await api.post("/api/v1/enrol", { code: created.code });
    const madeUp = await api.post("/api/v1/enrol", { code: "YYYY-YYYY" });
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual(madeUp.body);
    expect((await api.get("/api/v1/keys", { token: owner.access_token })).body.items).toEqual([]);
    expect(await auditActions(server, owner.user_id)).toEqual(["enrolment_code.create"]);
  });

  it("of many concurrent exchanges of one code exactly one gets a key", async ({ server, api }) => {
    const owner = await createUser(api);
    const { code } = await createCode(api, owner.access_token);
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.post("/api/v1/enrol", { code })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, ...Array(7).fill(400)]);
    const keys = await selectRows<{ n: number }>(
      server.resources.db,
      sql`select count(*)::int as n from api_keys where user_id = ${owner.user_id}::uuid`,
    );
    expect(keys[0]?.n).toBe(1);
  });

  it("a full key may make codes, and the worker key minted from one dies with that key", async ({ api }) => {
    const owner = await createUser(api);
    const full = await api.post("/api/v1/keys", { name: "cli" }, { token: owner.access_token });
    const { code } = await createCode(api, full.body.key);
    const enrolled = await api.post("/api/v1/enrol", { code });
    expect(enrolled.status).toBe(201);
    const keys = await api.get("/api/v1/keys", { token: owner.access_token });
    expect(keys.body.items).toContainEqual(
      expect.objectContaining({ key_id: enrolled.body.key_id, created_by_key_id: full.body.key_id }),
    );
    expect((await api.delete(`/api/v1/keys/${full.body.key_id}`, { token: owner.access_token })).status).toBe(204);
    expect((await api.get("/api/v1/workers", { token: enrolled.body.key })).status).toBe(401);
  });

  it("a worker key may not make, list or delete codes", async ({ api }) => {
    const owner = await createUser(api);
    const { code } = await createCode(api, owner.access_token);
    const workerKey = (await api.post("/api/v1/enrol", { code })).body.key as string;
    const made = await api.post("/api/v1/enrolment-codes", {}, { token: workerKey });
    expect(made.status).toBe(403);
    expect(made.body.detail).toContain('scope "worker"');
    expect((await api.get("/api/v1/enrolment-codes", { token: workerKey })).status).toBe(403);
    expect((await api.post("/api/v1/enrolment-codes", {})).status).toBe(401);
  });

  it("a code is never a bearer token", async ({ api }) => {
    const owner = await createUser(api);
    const { code } = await createCode(api, owner.access_token);
    for (const path of ["/api/v1/workers", "/api/v1/tasks", "/api/v1/enrolment-codes"]) {
      expect((await api.get(path, { token: code })).status).toBe(401);
    }
    // Still open afterwards: the attempts spent nothing.
    expect((await api.post("/api/v1/enrol", { code })).status).toBe(201);
  });

  it("deleting an open code ends it; another user's code cannot be deleted or listed", async ({ api }) => {
    const owner = await createUser(api);
    const stranger = await createUser(api);
    const created = await createCode(api, owner.access_token);
    const path = `/api/v1/enrolment-codes/${created.enrolment_code_id}`;
    expect((await api.delete(path, { token: stranger.access_token })).status).toBe(404);
    expect((await api.get("/api/v1/enrolment-codes", { token: stranger.access_token })).body.items).toEqual([]);
    expect((await api.delete(path, { token: owner.access_token })).status).toBe(204);
    expect((await api.delete(path, { token: owner.access_token })).status).toBe(404);
    expect((await api.post("/api/v1/enrol", { code: created.code })).status).toBe(400);
  });

  it("refuses bad input naming the field, and a user's open codes are bounded", async ({ api }) => {
    const owner = await createUser(api);
    const cases: Array<[unknown, string]> = [
      [{ code: "not a code" }, "body.code"],
      [{ code: "gs_0123456789" }, "body.code"],
      [{ code: "K7QX-2ZPM", platform: "Linux; rm -rf" }, "body.platform"],
      [{ code: "K7QX-2ZPM", extra: 1 }, "body"],
      [{}, "body.code"],
    ];
    for (const [body, field] of cases) {
      const answer = await api.post("/api/v1/enrol", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.errors[0].field).toBe(field);
    }
    const badName = await api.post("/api/v1/enrolment-codes", { name: "" }, { token: owner.access_token });
    expect(badName.status).toBe(400);
    expect(badName.body.errors[0].field).toBe("body.name");

    for (let i = 0; i < MAX_OPEN_CODES_PER_USER; i++) await createCode(api, owner.access_token);
    const tooMany = await api.post("/api/v1/enrolment-codes", {}, { token: owner.access_token });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body.detail).toContain("open pairing codes");
  });

  it("a disabled owner's code mints nothing and stays unspent", async ({ server, api }) => {
    const owner = await createUser(api);
    const { code } = await createCode(api, owner.access_token);
    await server.resources.db.execute(sql`update users set is_active = false where user_id = ${owner.user_id}::uuid`);
    expect((await api.post("/api/v1/enrol", { code })).status).toBe(400);
    const rows = await selectRows<{ used_at: string | null }>(
      server.resources.db,
      sql`select used_at from enrolment_codes where user_id = ${owner.user_id}::uuid`,
    );
    expect(rows).toEqual([{ used_at: null }]);
  });

  limitedIt("guessing codes at speed is rate-limited per client", async ({ api }) => {
    const statuses: number[] = [];
    for (const guess of ["AAAA-AAAA", "AAAA-AAAB", "AAAA-AAAC", "AAAA-AAAD"]) {
      statuses.push((await api.post("/api/v1/enrol", { code: guess })).status);
    }
    expect(statuses.slice(0, 3).every((status) => status === 400)).toBe(true);
    expect(statuses[3]).toBe(429);
  });
});
