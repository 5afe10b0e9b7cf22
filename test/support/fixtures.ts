// What an integration test file sets up, as Vitest fixtures: one server over a fresh database for the whole
// file, a client for it, a signed-in user with an API key, and a second replica for the scale-out tests; each
// is made when a test first asks for it and closed after the file's last test. A file's own helpers that need
// them extend the returned `it`.
import type { ServerConfig, StartOptions } from "@garageswarm/server";
import { test } from "vitest";
import { apiClient } from "./http.ts";
import { startReplica, startTestServer } from "./server.ts";
import { createApiKey, createUser } from "./users.ts";

export interface ServerTestOptions {
  /** Server settings over the test defaults: rate limits, heartbeat interval, an admin password. */
  settings?: Partial<ServerConfig>;
  /** A clock the test moves by hand (queue.support.ts's manualClock). */
  clock?: StartOptions["clock"];
  /** Timers moved with that clock (the same manualClock), instead of the system's. */
  timers?: StartOptions["timers"];
  /** A logger of the test's own, to read what the server logs (with `settings.logLevel`). */
  log?: StartOptions["log"];
}

/**
 * `it` for a file that talks to one server. Its tests take `server`, `api` (a client for it), `user` (one
 * user of the file, signed in) and `key` (an API key of that user); a test that needs a user of its own
 * calls createUser(api). On the postgres stack, `replica` is a second server on the same database and Redis.
 */
export function serverTest({ settings = {}, clock, timers, log }: ServerTestOptions = {}) {
  return (
    test
      // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
      .extend("server", { scope: "file" }, async ({}, { onCleanup }) => {
        const server = await startTestServer(settings, { clock, timers, log });
        onCleanup(() => server.close());
        return server;
      })
      .extend("api", { scope: "file" }, ({ server }) => apiClient(server.url))
      .extend("user", { scope: "file" }, ({ api }) => createUser(api))
      .extend("key", { scope: "file" }, ({ api, user }) => createApiKey(api, user))
      .extend("replica", { scope: "file" }, async ({ server }, { onCleanup }) => {
        const replica = await startReplica(server, settings, { clock, timers });
        onCleanup(() => replica.close());
        return replica;
      })
  );
}
