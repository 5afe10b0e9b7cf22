// Review finding A17, share half (security-2026-12-01.md): any user could test usernames and ids through
// `POST /workers/{own}/share` ("no such user"), and `GET /workers/{id}/share` gave out members' user ids.
// The attack now fails: the share answer is the same whether or not the user exists (and nothing is stored
// for one that does not), ending a share answers the same too, and members see only accepted members.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { createUser, createUserWithKey } from "../../../test/support/users.ts";
import { registerWorker, shareAccepted } from "./queue.support.ts";

const it = serverTest();

describe.skipIf(postgresStackMissing())("A17: sharing does not tell whether a user exists", () => {
  it("answers a share the same for an existing user, an unknown one, and an admin, and stores nothing for the unknown", async ({
    server,
    api,
  }) => {
    const mallory = await createUserWithKey(api);
    const alice = await createUser(api);
    const worker = await registerWorker(api, mallory.key);
    const rows = async () => {
      const result = (await server.resources.db.execute(
        sql`select count(*)::int as n from user_workers where worker_id = ${worker.worker_id}::uuid`,
      )) as unknown as { rows: Array<{ n: number }> };
      return result.rows[0]?.n;
    };
    const share = (body: Record<string, unknown>) =>
      api.post(
        `/api/v1/workers/${worker.worker_id}/share`,
        { role: "operator", ...body },
        { token: mallory.access_token },
      );

    const before = await rows();
    const answers = [
      await share({ username: `nobody_${randomUUID().slice(0, 8)}` }),
      await share({ user_id: randomUUID() }),
    ];
    expect(await rows()).toBe(before);
    answers.push(await share({ username: alice.username }), await share({ user_id: alice.user_id }));
    answers.push(await share({ username: "admin" }));
    for (const answer of answers) {
      expect(answer.status).toBe(202);
      expect(answer.body).toEqual({ status: "offered" });
      expect(answer.headers.get("content-type")).toBe(answers[0]?.headers.get("content-type"));
    }

    // Alice got the offer; mallory cannot tell: the member list shows accepted members only.
    expect((await api.get("/api/v1/workers/offers", { token: alice.access_token })).body.items).toHaveLength(1);
    const members = await api.get(`/api/v1/workers/${worker.worker_id}/share`, { token: mallory.access_token });
    expect(members.body.items.map((member: { user_id: string }) => member.user_id)).toEqual([mallory.user_id]);
  });

  it("shows members only the members who accepted, and answers a removal the same whoever it names", async ({
    api,
  }) => {
    const owner = await createUserWithKey(api);
    const member = await createUser(api);
    const invited = await createUser(api);
    const worker = await registerWorker(api, owner.key);
    await shareAccepted(api, owner, worker.worker_id, member, "viewer");
    await api.post(
      `/api/v1/workers/${worker.worker_id}/share`,
      { username: invited.username, role: "operator" },
      { token: owner.access_token },
    );

    // Neither the owner nor another member learns the pending recipient's id.
    for (const viewer of [owner, member]) {
      const listed = await api.get(`/api/v1/workers/${worker.worker_id}/share`, { token: viewer.access_token });
      const ids = listed.body.items.map((entry: { user_id: string }) => entry.user_id);
      expect(ids).toEqual([owner.user_id, member.user_id]);
    }

    // Withdrawing an offer, removing a user with no row and removing an unknown id all answer 204.
    for (const userId of [invited.user_id, randomUUID()]) {
      const removed = await api.delete(`/api/v1/workers/${worker.worker_id}/share/${userId}`, {
        token: owner.access_token,
      });
      expect(removed.status).toBe(204);
    }
    expect((await api.get("/api/v1/workers/offers", { token: invited.access_token })).body.items).toEqual([]);
  });
});
