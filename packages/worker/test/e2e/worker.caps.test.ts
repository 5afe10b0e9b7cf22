// A real `garageswarm worker` process with a per-tool cap (--max-concurrent) against a real server: it
// advertises the cap, and however the server offers work, no more tasks of that tool run at once than the
// cap allows, while the worker's slots would allow more.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../../test/support/users.ts";
import { cleanUpWorkers, spawnWorker, taskEnded, tempDir } from "./support.ts";

describe.skipIf(postgresStackMissing() || process.platform === "win32")("a worker with --max-concurrent", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    server = await startTestServer({ heartbeatIntervalSeconds: 1 });
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "caps worker");
  });
  afterEach(() => cleanUpWorkers());
  afterAll(() => server?.close());

  it("advertises the cap and never runs more tasks of the tool at once, though it has the slots", async () => {
    const worker = await spawnWorker({
      server: server.url,
      key,
      args: ["--enable-shell", "--slots", "2", "--max-concurrent", "shell=1"],
    });
    const workerId = await worker.workerId();
    await worker.waitForLog(/connected over WebSocket/);
    const seen = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    expect(seen.slots).toBe(2);
    const tools = Object.fromEntries(seen.tools.map((tool: { name: string }) => [tool.name, tool]));
    expect(tools.shell).toMatchObject({ max_concurrent: 1 });
    expect(tools.claude_code).not.toHaveProperty("max_concurrent");

    // Each run writes its start and end to one file and stays a while in between: two runs at once would
    // interleave their lines.
    const runs = join(await tempDir(), "runs.log");
    const command = (name: string) =>
      `echo start ${name} >> '${runs}'; sleep 1; echo end ${name} >> '${runs}'; echo ${name}`;
    const ids: string[] = [];
    for (const name of ["a", "b"]) {
      const created = await api.post(
        "/api/v1/tasks",
        { description: `run ${name}`, tool: "shell", prompt: command(name) },
        { token: user.access_token },
      );
      expect(created.status).toBe(201);
      ids.push(created.body.task_id);
    }
    for (const id of ids) {
      expect(await taskEnded(api, user.access_token, id)).toMatchObject({ status: "completed", worker_id: workerId });
    }

    const lines = (await readFile(runs, "utf8")).trim().split("\n");
    expect(lines).toHaveLength(4);
    // Whatever the order, each start is followed by its own end.
    expect([lines[1], lines[3]]).toEqual([lines[0]?.replace("start", "end"), lines[2]?.replace("start", "end")]);
    expect(new Set([lines[0], lines[2]])).toEqual(new Set(["start a", "start b"]));
  });
});
