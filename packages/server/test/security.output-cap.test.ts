// A10: past 2 MB per attempt, output went to an unbounded file in <data-dir>/logs that nothing ever deleted,
// so any user could fill the server's disk from their own worker. Now database and file together hold at
// most `outputLimitBytes` per attempt, then one marker and nothing more; the file is 0600 in a 0700 dir, and
// goes with its task (deleted directly, or by cascade and a sweep).
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect } from "vitest";
import { serverTest } from "../../../test/support/fixtures.ts";
import { postgresStackMissing, startTestServer } from "../../../test/support/server.ts";
import { connectPeer, toWebSocketUrl } from "../../../test/support/ws.ts";
import { selectRows } from "../src/db/store.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

const LIMIT = 3 * 1024 * 1024;
const MARKER = `[output truncated at ${LIMIT} bytes]`;
const dataDir = mkdtempSync(join(tmpdir(), "gs-output-cap-"));
const it = serverTest({ settings: { outputLimitBytes: LIMIT, dataDir } });

describe.skipIf(postgresStackMissing())("A10: output per attempt is capped and goes with its task", () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("keeps at most the limit (database and spill file together), then one marker, and drops the rest", async ({
    server,
    api,
    user,
    key,
  }) => {
    const worker = await registerWorker(api, key, { tools: ["ollama"] });
    const task = await createTask(api, user.access_token, { tool: "ollama" });
    const claimed = (await pull(api, key, worker.worker_id)).body;
    const attemptToken = claimed.attempt_token;
    await api.post(`/api/v1/tasks/${task.task_id}/start`, { attempt_token: attemptToken }, { token: key });

    // The review's attack, scaled: ~4.3 MB through the REST output route, 3 × 240 KB per request.
    let seq = 0;
    const send = () =>
      api.post(
        `/api/v1/tasks/${task.task_id}/output`,
        {
          attempt_token: attemptToken,
          chunks: [0, 1, 2].map(() => ({ seq: seq++, stream: "stdout", chunk: "y".repeat(240 * 1024) })),
        },
        { token: key },
      );
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await send());
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(204));
    expect(answers.at(-1)?.headers.get("garageswarm-output-truncated")).toBe(String(LIMIT));

    // A dashboard's backlog (which flushes first) ends with the marker.
    const feed = await connectPeer(toWebSocketUrl(server.url, `/ws/client/${user.user_id}`), {
      authorization: `Bearer ${user.access_token}`,
    });
    const file = join(dataDir, "logs", `${task.task_id}.1.log`);
    const storedBytes = async () => {
      const [row] = await selectRows<{ bytes: number; markers: number }>(
        server.resources.db,
        sql`select coalesce(sum(octet_length(data->>'chunk')) filter (where (data->>'seq')::bigint < 1000000), 0)::int as bytes,
                   count(*) filter (where data->>'chunk' like '%output truncated at%')::int as markers
              from task_events where task_id = ${task.task_id} and kind = 'output'`,
      );
      return row!;
    };
    try {
      feed.send("subscribe", { task_id: task.task_id });
      const marker = await feed.next(
        (message) => message.type === "task.output" && message.data.chunk.includes(MARKER),
      );
      expect(marker.data.seq).toBeGreaterThan(seq);

      const stored = await storedBytes();
      expect(stored.markers).toBe(1);
      const spilled = readFileSync(file, "utf8");
      expect(spilled.trimEnd().endsWith(MARKER)).toBe(true);
      const kept = stored.bytes + Buffer.byteLength(spilled) - Buffer.byteLength(`\n${MARKER}\n`);
      expect(kept).toBeLessThanOrEqual(LIMIT);
      expect(kept).toBeGreaterThan(LIMIT - 240 * 1024);
      // Output may hold secrets: owner-only.
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, "logs")).mode & 0o777).toBe(0o700);

      // More output is answered (the worker need not stop) but stored nowhere.
      const sizeBefore = statSync(file).size;
      expect((await send()).status).toBe(204);
      feed.send("unsubscribe", { task_id: task.task_id });
      feed.send("subscribe", { task_id: task.task_id }); // its backlog flushes what was buffered
      await expect.poll(() => feed.received.filter((m) => m.data?.chunk?.includes(MARKER)).length).toBe(2);
      expect(statSync(file).size).toBe(sizeBefore);
      expect((await storedBytes()).bytes).toBe(stored.bytes);
    } finally {
      await feed.close();
    }

    // Deleting the task deletes its spill file.
    const done = await api.post(
      `/api/v1/tasks/${task.task_id}/complete`,
      { attempt_token: attemptToken, result: { output: "done" } },
      { token: key },
    );
    expect(done.status).toBe(200);
    expect((await api.delete(`/api/v1/tasks/${task.task_id}`, { token: user.access_token })).status).toBe(204);
    await expect.poll(() => existsSync(file)).toBe(false);
  });

  it("sweeps spill files whose task went by cascade: after a workflow is deleted", async ({ api, user }) => {
    // A file whose task no longer exists, as a workflow's cascade (or another replica's delete) leaves.
    mkdirSync(join(dataDir, "logs"), { recursive: true });
    const orphan = join(dataDir, "logs", `${randomUUID()}.1.log`);
    writeFileSync(orphan, "left behind\n");
    const created = await api.post(
      "/api/v1/workflows",
      {
        name: "to delete",
        workflow_type: "graph",
        definition: { nodes: [{ id: "only", type: "task", tool: "ollama", prompt: "hi" }], edges: [] },
      },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const deleted = await api.delete(`/api/v1/workflows/${created.body.workflow_id}`, { token: user.access_token });
    expect(deleted.status).toBe(204);
    await expect.poll(() => existsSync(orphan)).toBe(false);
  });

  it("sweeps orphan spill files at start-up", async () => {
    const otherDir = mkdtempSync(join(tmpdir(), "gs-output-sweep-"));
    mkdirSync(join(otherDir, "logs"), { recursive: true });
    const orphan = join(otherDir, "logs", `${randomUUID()}.2.log`);
    const unrelated = join(otherDir, "logs", "notes.txt");
    writeFileSync(orphan, "left behind\n");
    writeFileSync(unrelated, "not a spill file\n");
    const server = await startTestServer({ dataDir: otherDir });
    try {
      await expect.poll(() => existsSync(orphan)).toBe(false);
      expect(existsSync(unrelated)).toBe(true);
    } finally {
      await server.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
