// Group commit of attempt reports (queue/group-commit.ts): many workers reporting at once, over REST and
// over their sockets, are written in a few statements, and each report still gets its own answer — its
// row, or 409 when its token is stale — exactly as one statement per report would give.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it as plainIt } from "vitest";
import { testStack } from "../../../test/support/env.ts";
import { serverTest } from "../../../test/support/fixtures.ts";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { createApiKey, createUser } from "../../../test/support/users.ts";
import { connectWorker, type Peer } from "../../../test/support/ws.ts";
import { openStore, selectRows } from "../src/db/store.ts";
import { type Child, childStore, kill, startChild, waitFor } from "./child-server.support.ts";
import { createTask, manualClock, pull, registerWorker, report } from "./queue.support.ts";

const clock = manualClock(new Date("2026-03-01T10:00:00.000Z"));
const it = serverTest({ clock });

const TASKS = 200;
const WORKERS = 50;
const SLOTS = TASKS / WORKERS;

interface Held {
  task_id: string;
  attempt_token: string;
  worker: number;
}

describe("group commit of attempt reports", () => {
  it("starts and finishes 200 tasks reported at once by 50 workers: each exactly once, stale tokens change nothing", {
    timeout: 240_000,
  }, async ({ server, api, user, key }) => {
    const machines = Array.from({ length: WORKERS }, () => randomUUID());
    const workers = await Promise.all(
      machines.map(
        async (machine_id) =>
          (await registerWorker(api, key, { tools: ["claude_code"], slots: SLOTS, machine_id })).worker_id,
      ),
    );
    await Promise.all(
      Array.from({ length: TASKS }, (_, index) =>
        createTask(api, user.access_token, { description: `task ${index}`, max_attempts: 3 }),
      ),
    );
    const held: Held[] = [];
    await Promise.all(
      workers.map(async (workerId, index) => {
        for (let slot = 0; slot < SLOTS; slot++) {
          const claimed = await pull(api, key, workerId);
          expect(claimed.status).toBe(200);
          held.push({ task_id: claimed.body.task_id, attempt_token: claimed.body.attempt_token, worker: index });
        }
      }),
    );
    expect(new Set(held.map((task) => task.task_id)).size).toBe(TASKS);

    // Half the workers report over their sockets, the other half over REST. The socket workers say hello
    // holding the tasks they pulled, so those stay theirs.
    const sockets = new Map<number, Peer>();
    for (let index = 0; index < WORKERS / 2; index++) {
      const running = held.filter((task) => task.worker === index);
      sockets.set(
        index,
        await connectWorker(server.url, key, {
          worker_id: workers[index]!,
          machine_id: machines[index]!,
          tools: [{ name: "claude_code", version: "1.0.0", models: [], healthy: true }],
          slots: SLOTS,
          running: running.map(({ task_id, attempt_token }) => ({ task_id, attempt_token })),
        }),
      );
    }
    try {
      // Over a socket the answer is the ack: ok, or `stale`.
      const send = async (task: Held, type: string, data: Record<string, unknown>) => {
        const socket = sockets.get(task.worker);
        if (!socket) {
          const verb = type.replace("task.", "").replace("accept", "start");
          const response = await report(api, key, task.task_id, verb, data);
          return response.status;
        }
        const id = socket.send(type, { task_id: task.task_id, ...data });
        const ack = await socket.next((message) => message.type === "ack" && message.id === id, 30_000);
        return ack.data.ok ? 200 : ack.data.error === "stale" ? 409 : ack.data.error;
      };
      const stale = () => ({ attempt_token: randomUUID() });

      // Starts, all at once; a stale start for every tenth task among them.
      const starts = await Promise.all(
        held.map((task) => send(task, "task.accept", { attempt_token: task.attempt_token })),
      );
      expect(starts).toEqual(held.map(() => 200));
      const staleStarts = await Promise.all(
        held.filter((_, i) => i % 10 === 0).map((task) => send(task, "task.accept", stale())),
      );
      expect(staleStarts.every((status) => status === 409)).toBe(true);

      // Then the reports, all at once: most complete, some fail for good, some fail and are retried; a
      // stale report (a random token, or the same report twice) beside every fifth.
      const outcome = (index: number) => (index % 10 === 3 ? "fail" : index % 10 === 7 ? "retry" : "complete");
      const reports = held.map((task, index) => {
        const kind = outcome(index);
        if (kind === "complete") {
          return send(task, "task.complete", {
            attempt_token: task.attempt_token,
            result: { output: `done ${task.task_id}`, exit_code: 0 },
          });
        }
        return send(task, "task.fail", {
          attempt_token: task.attempt_token,
          error: `failed ${task.task_id}`,
          retryable: kind === "retry",
          session_id: `session-${task.task_id}`,
        });
      });
      const staleReports = held.flatMap((task, index) =>
        index % 5 === 0
          ? [
              send(task, "task.complete", { ...stale(), result: { output: "stale" } }),
              send(task, "task.fail", { ...stale(), error: "stale", retryable: false }),
            ]
          : [],
      );
      const duplicates = held
        .filter((_, index) => index % 5 === 1)
        .map((task) => send(task, "task.complete", { attempt_token: task.attempt_token, result: { output: "twice" } }));
      const answers = await Promise.all(reports);
      expect((await Promise.all(staleReports)).every((status) => status === 409)).toBe(true);
      // Index 1 mod 5 completes (never 3 or 7 mod 10), so it and its twin are two completions with the
      // current token: whichever is written first gets the row, the other finds the task completed (409).
      const twins = await Promise.all(duplicates);
      let twin = 0;
      for (const [index, answer] of answers.entries()) {
        if (index % 5 !== 1) expect(answer).toBe(200);
        else expect([answer, twins[twin++]].sort()).toEqual([200, 409]);
      }

      // The batches did form: reports shared statements.
      expect(server.resources.reports.complete.stats.largest).toBeGreaterThan(1);
      expect(server.resources.reports.start.stats.largest).toBeGreaterThan(1);
      expect(server.resources.reports.fail.stats.largest).toBeGreaterThan(1);

      const rows = await selectRows<{
        task_id: string;
        status: string;
        result: { output: string } | null;
        error: string | null;
        available_at: Date | string;
        attempt: number;
        worker_id: string | null;
      }>(
        server.resources.db,
        sql`select task_id::text, status, result, error, available_at, attempt, worker_id::text from tasks
            where task_id = any(${`{${held.map((task) => task.task_id).join(",")}}`}::uuid[])`,
      );
      const byTask = new Map(rows.map((row) => [row.task_id, row]));
      const twinIds = new Set(held.filter((_, index) => index % 5 === 1).map((task) => task.task_id));
      for (const [index, task] of held.entries()) {
        const row = byTask.get(task.task_id)!;
        const kind = outcome(index);
        if (kind === "complete") {
          expect(row.status).toBe("completed");
          // Each report's own result landed on its own task (or its twin's, which is the same task's report).
          if (!twinIds.has(task.task_id)) expect(row.result?.output).toBe(`done ${task.task_id}`);
          else expect([`done ${task.task_id}`, "twice"]).toContain(row.result?.output);
        } else if (kind === "fail") {
          expect(row.status).toBe("failed");
          expect(row.error).toBe(`failed ${task.task_id}`);
        } else {
          // Retried after the backoff of a first attempt, on the report's clock, like the one-row statement.
          expect(row.status).toBe("queued");
          expect(row.worker_id).toBeNull();
          expect(new Date(row.available_at).toISOString()).toBe(new Date(clock.now().getTime() + 5_000).toISOString());
        }
      }

      const events = await selectRows<{ task_id: string; status: string; count: number; sessions: string[] }>(
        server.resources.db,
        sql`select task_id::text, data->>'status' as status, count(*)::int as count,
                   array_remove(array_agg(data->>'session_id'), null) as sessions
            from task_events
            where kind = 'status' and task_id = any(${`{${held.map((task) => task.task_id).join(",")}}`}::uuid[])
            group by 1, 2`,
      );
      const count = (taskId: string, status: string) =>
        events.find((event) => event.task_id === taskId && event.status === status)?.count ?? 0;
      for (const [index, task] of held.entries()) {
        const kind = outcome(index);
        expect(count(task.task_id, "running")).toBe(1);
        expect(count(task.task_id, "completed")).toBe(kind === "complete" ? 1 : 0);
        expect(count(task.task_id, "failed")).toBe(kind === "fail" ? 1 : 0);
        expect(count(task.task_id, "queued")).toBe(kind === "retry" ? 2 : 1);
        if (kind !== "complete") {
          const failed = events.find(
            (event) =>
              event.task_id === task.task_id &&
              event.status === (kind === "fail" ? "failed" : "queued") &&
              event.sessions.length > 0,
          );
          expect(failed?.sessions).toEqual([`session-${task.task_id}`]);
        }
      }
    } finally {
      for (const socket of sockets.values()) await socket.close();
    }
  });
});

// A replica killed while batches of completions are being written: a batch is one statement, so it landed
// whole or not at all. Each worker whose report got no answer sends it again (to the other replica on
// PostgreSQL, to the restarted server on PGlite): it lands then, or is refused because it had landed.
describe("a replica killed mid-batch", () => {
  let store: Awaited<ReturnType<typeof childStore>>;
  const children: Child[] = [];

  beforeAll(async () => {
    store = await childStore("group-commit");
  });
  afterAll(async () => {
    for (const child of children) await kill(child);
    await store?.remove();
  });

  plainIt("loses no completion and applies none twice", { timeout: 240_000 }, async () => {
    const start = async () => {
      const child = await startChild(store.env);
      children.push(child);
      return child;
    };
    const doomed = await start();
    // On PostgreSQL the other replica is up all along; PGlite is one process, so it is restarted instead.
    const other = testStack === "postgres" ? await start() : null;
    const api = apiClient(doomed.url);
    const user = await createUser(api);
    const key = await createApiKey(api, user);
    const held: Array<{ task_id: string; attempt_token: string }> = [];
    await Promise.all(
      Array.from({ length: 100 }, (_, index) => createTask(api, user.access_token, { description: `t${index}` })),
    );
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const worker = await registerWorker(api, key, { tools: ["claude_code"], slots: 10 });
        for (let slot = 0; slot < 10; slot++) {
          const claimed = await pull(api, key, worker.worker_id);
          expect(claimed.status).toBe(200);
          held.push({ task_id: claimed.body.task_id, attempt_token: claimed.body.attempt_token });
        }
      }),
    );
    const started = await Promise.all(
      held.map((task) => report(api, key, task.task_id, "start", { attempt_token: task.attempt_token })),
    );
    expect(started.map((response) => response.status)).toEqual(held.map(() => 200));

    const complete = (client: ApiClient, task: { task_id: string; attempt_token: string }) =>
      report(client, key, task.task_id, "complete", {
        attempt_token: task.attempt_token,
        result: { output: `done ${task.task_id}` },
      }).then(
        (response) => response.status,
        () => "lost" as const,
      );
    // All at once. On PostgreSQL a transaction of the test's holds one task's row, so the batch holding that
    // task waits in the database while later batches wait in the replica; the replica dies then. The batch
    // commits or rolls back once the row is let go, and nobody hears which. On PGlite (one process, nothing
    // to hold a row with) the replica dies as soon as the first answer is back.
    const holder = testStack === "postgres" ? new pg.Client({ connectionString: store.env.DATABASE_URL }) : null;
    const waitingBatch = async () => {
      // Inside the holder's transaction the activity view is a snapshot unless it is cleared.
      await holder!.query("select pg_stat_clear_snapshot()");
      const found = await holder!.query(
        `select count(*)::int as waiting from pg_stat_activity
         where wait_event_type = 'Lock' and query like '%status = ''completed''%' and datname = current_database()`,
      );
      return found.rows[0].waiting > 0;
    };
    if (holder) {
      await holder.connect();
      await holder.query("begin");
      await holder.query("select 1 from tasks where task_id = $1 for update", [held[50]!.task_id]);
    }
    let firstAnswer!: () => void;
    const answered = new Promise<void>((resolve) => {
      firstAnswer = resolve;
    });
    const sent = held.map((task) =>
      complete(api, task).then((status) => {
        if (status === 200) firstAnswer();
        return status;
      }),
    );
    if (holder) await waitFor("a batch waiting for the held row", waitingBatch);
    else await answered;
    await kill(doomed);
    const statuses = await Promise.all(sent);
    expect(statuses.every((status) => status === 200 || status === "lost")).toBe(true);
    if (holder) {
      await holder.query("rollback");
      await waitFor("the orphaned batch to commit", async () => !(await waitingBatch()));
      await holder.end();
    } else {
      expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    }

    const survivor = apiClient((other ?? (await start())).url);
    const retried = { landed: 0, lost: 0 };
    for (const [index, task] of held.entries()) {
      const again = await complete(survivor, task);
      // Answered before the crash: it landed, so the retry is refused. Lost: it lands now, or it had landed.
      if (statuses[index] === 200) expect(again).toBe(409);
      else {
        expect([200, 409]).toContain(again);
        if (again === 409) retried.landed++;
        else retried.lost++;
      }
    }
    // On PostgreSQL a batch was cut off by the crash. Whether the database then commits the orphaned batch
    // or rolls it back depends on whether it sees the dead client's connection reset before the batch's
    // Sync (both seen here: committed on a loaded machine, rolled back on a quiet one); either way every
    // retry above was answered as what had happened: 409 for a landed report, 200 for a lost one.
    if (holder) expect(retried.landed + retried.lost).toBeGreaterThan(0);
    for (const child of children.splice(0)) await kill(child);

    const opened = await openStore(
      testStack === "postgres"
        ? { databaseUrl: store.env.DATABASE_URL }
        : { dataDir: join(store.env.GARAGESWARM_DATA_DIR!, "db") },
    );
    try {
      const ids = `{${held.map((task) => task.task_id).join(",")}}`;
      const tasks = await selectRows<{ task_id: string; status: string; output: string; completions: number }>(
        opened.db,
        sql`select t.task_id::text, t.status, t.result->>'output' as output,
                   (select count(*)::int from task_events e where e.task_id = t.task_id and e.kind = 'status'
                      and e.data->>'status' = 'completed') as completions
            from tasks t where t.task_id = any(${ids}::uuid[])`,
      );
      expect(tasks).toHaveLength(held.length);
      for (const task of tasks) {
        expect(task).toEqual({
          task_id: task.task_id,
          status: "completed",
          output: `done ${task.task_id}`,
          completions: 1,
        });
      }
    } finally {
      await opened.close();
    }
  });
});
