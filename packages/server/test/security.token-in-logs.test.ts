// A12: the dashboard opened its WebSocket with `?token=<access token>`, so every connection logged the token
// at debug (and in any proxy's access log at every level). Now the socket takes a single-use 30-second
// ticket (or the Authorization header, for the CLI and workers), `?token=` authenticates nothing, and logged
// URLs have `token=`/`ticket=` redacted. The server's own log is captured at debug and searched.
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing } from "../../../test/support/server.ts";
import { connectPeer, toWebSocketUrl } from "../../../test/support/ws.ts";
import { manualClock } from "./queue.support.ts";

const lines: string[] = [];
const capture = new Writable({
  write(chunk, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});
const clock = manualClock();
const it = serverTest({ settings: { logLevel: "debug" }, clock, log: pino({ level: "debug" }, capture) });

describe.skipIf(postgresStackMissing())("A12: no token in a URL, and none in the log", () => {
  it("opens the dashboard's socket with a single-use ticket, never a token in the URL", async ({
    server,
    api,
    user,
  }) => {
    const issued = await api.post("/api/v1/auth/ws-ticket", undefined, { token: user.access_token });
    expect(issued.status).toBe(200);
    expect(issued.body.expires_in).toBe(30);
    const { ticket } = issued.body;
    const feedUrl = toWebSocketUrl(server.url, `/ws/client/${user.user_id}?ticket=${encodeURIComponent(ticket)}`);
    const feed = await connectPeer(feedUrl);
    try {
      feed.send("ping", {});
      await feed.next((message) => message.type === "pong");
    } finally {
      await feed.close();
    }
    // Spent: a logged or stolen ticket opens nothing.
    await expect(connectPeer(feedUrl)).rejects.toMatchObject({ status: 401 });
    // A ticket is not an access token.
    expect((await api.get("/api/v1/auth/me", { token: ticket })).status).toBe(401);

    // The old way, a token in the URL, no longer authenticates.
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}?token=${user.access_token}`)),
    ).rejects.toMatchObject({ status: 401 });

    // An API key has no session to issue tickets for: it goes in the header (the CLI and workers do).
    const key = (await api.post("/api/v1/keys", { name: "cli" }, { token: user.access_token })).body.key;
    expect((await api.post("/api/v1/auth/ws-ticket", undefined, { token: key })).status).toBe(400);
    const byHeader = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${key}`,
    });
    await byHeader.close();

    // Nothing that authenticates appears in the debug log, though the requests were logged.
    const log = lines.join("");
    expect(log).toContain("ticket=[redacted]");
    expect(log).toContain("token=[redacted]");
    for (const secret of [user.access_token, user.refresh_token, ticket, key]) expect(log).not.toContain(secret);
  });

  it("refuses a ticket after its 30 seconds, and one whose session has ended", async ({ server, api, user }) => {
    const late = (await api.post("/api/v1/auth/ws-ticket", undefined, { token: user.access_token })).body.ticket;
    clock.advance(31);
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}?ticket=${encodeURIComponent(late)}`)),
    ).rejects.toMatchObject({ status: 401 });

    const session = (await api.post("/api/v1/auth/login", { username: user.username, password: user.password })).body;
    const ticket = (await api.post("/api/v1/auth/ws-ticket", undefined, { token: session.access_token })).body.ticket;
    expect((await api.post("/api/v1/auth/logout", {}, { token: session.access_token })).status).toBe(204);
    await expect(
      connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}?ticket=${encodeURIComponent(ticket)}`)),
    ).rejects.toMatchObject({ status: 401 });
  });
});
