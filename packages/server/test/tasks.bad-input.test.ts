// Bad input to the tasks and workers API gets a 4xx problem naming the field, never a 500, and writes nothing.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { createTask, pull, registerWorker } from "./queue.support.ts";

type Input = { rawBody?: string; body?: unknown; headers?: Record<string, string> };

describe.skipIf(postgresStackMissing())("tasks and workers under bad input", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;
  let workerId: string;
  let taskId: string;
  let attemptToken: string;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user);
    workerId = (await registerWorker(api, key, { tools: ["shell"], machine_id: "fixed-machine" })).worker_id;
    taskId = (await createTask(api, user.access_token, { tool: "shell" })).task_id;
    attemptToken = (await pull(api, key, workerId)).body.attempt_token;
  });
  afterAll(() => server?.close());

  async function snapshot() {
    const result = (await server.resources.db.execute(
      sql`select (select count(*) from tasks)::int as tasks, (select count(*) from task_events)::int as events,
                 (select count(*) from workers)::int as workers, (select count(*) from user_workers)::int as members,
                 (select md5(coalesce(string_agg(t::text, ',' order by task_id), '')) from tasks t) as tasks_hash,
                 (select md5(coalesce(string_agg(w::text, ',' order by worker_id), '')) from workers w) as workers_hash`,
    )) as unknown as { rows: unknown[] };
    return result.rows[0];
  }

  const valid = { description: "fine", tool: "claude_code" };
  const createCases: Array<[string, Input, number, string?]> = [
    ["malformed JSON", { rawBody: '{"description": "a", ' }, 400, "body"],
    ["an empty JSON array", { body: [] }, 400, "body"],
    ["a JSON array with a bad item", { body: [valid, { ...valid, priority: "high" }] }, 400, "body[1].priority"],
    ["wrong types", { body: { description: 42, tool: ["claude_code"], priority: "high" } }, 400, "body.description"],
    ["an unknown tool", { body: { ...valid, tool: "skynet" } }, 400, "body.tool"],
    ["SQL as the tool", { body: { ...valid, tool: "shell'; drop table tasks; --" } }, 400, "body.tool"],
    ["a missing description", { body: { tool: "shell" } }, 400, "body.description"],
    ["a blank description", { body: { ...valid, description: "   " } }, 400, "body.description"],
    ["an unknown field", { body: { ...valid, status: "completed" } }, 400],
    ["a priority out of range", { body: { ...valid, priority: 1000 } }, 400, "body.priority"],
    ["a fractional priority", { body: { ...valid, priority: 1.5 } }, 400, "body.priority"],
    ["too many attempts", { body: { ...valid, max_attempts: 11 } }, 400, "body.max_attempts"],
    ["zero attempts", { body: { ...valid, max_attempts: 0 } }, 400, "body.max_attempts"],
    ["a negative timeout", { body: { ...valid, timeout_seconds: -1 } }, 400, "body.timeout_seconds"],
    ["a NUL in the description", { body: { ...valid, description: "a\u0000b" } }, 400, "body.description"],
    ["a lone surrogate in the prompt", { body: { ...valid, prompt: "bad \ud800 text" } }, 400, "body.prompt"],
    ["a NUL inside the options", { body: { ...valid, options: { flag: "x\u0000" } } }, 400, "body.options"],
    [
      "labels of the wrong type",
      { body: { ...valid, requirements: { labels: "gpu" } } },
      400,
      "body.requirements.labels",
    ],
    ["an unknown requirement", { body: { ...valid, requirements: { gpu: true } } }, 400],
    ["a pinned worker id that is not a uuid", { body: { ...valid, worker_id: "1 or 1=1" } }, 400, "body.worker_id"],
    [
      "a pinned worker that does not exist",
      { body: { ...valid, worker_id: "00000000-0000-4000-8000-000000000000" } },
      400,
      "body.worker_id",
    ],
    ["a 2 MB body", { body: { ...valid, prompt: "x".repeat(2 * 1024 * 1024) } }, 413, "body"],
    ["text/plain content", { rawBody: "description=a", headers: { "content-type": "text/plain" } }, 400, "body"],
  ];

  it.each(createCases)("create with %s: a problem, nothing written", async (_name, input, status, field) => {
    const before = await snapshot();
    const response = await api.request("POST", "/api/v1/tasks", { ...input, token: user.access_token });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it("stores SQL-looking and unicode text verbatim, as plain data", async () => {
    const description = "Robert'); DROP TABLE tasks;-- 🤖 Grüße 你好 ‮rtl";
    const created = await api.post(
      "/api/v1/tasks",
      { ...valid, description, model: "' OR 1=1 --", options: { ключ: "значение", nested: { emoji: "🚀" } } },
      { token: user.access_token },
    );
    expect(created.status).toBe(201);
    const fetched = await api.get(`/api/v1/tasks/${created.body.task_id}`, { token: user.access_token });
    expect(fetched.body).toMatchObject({ description, model: "' OR 1=1 --", options: { ключ: "значение" } });
    await api.delete(`/api/v1/tasks/${created.body.task_id}`, { token: user.access_token });
  });

  const otherCases: Array<[string, string, string, () => Input, number, string?]> = [
    ["GET a task by a SQL id", "GET", "/api/v1/tasks/1%27%20or%20%271%27%3D%271", () => ({}), 400, "path.id"],
    ["list with an unknown status", "GET", "/api/v1/tasks?status=done'--", () => ({}), 400, "query.status"],
    ["list with a limit of 10000", "GET", "/api/v1/tasks?limit=10000", () => ({}), 400, "query.limit"],
    ["PATCH with a status", "PATCH", "/api/v1/tasks/:task", () => ({ body: { status: "completed" } }), 400],
    ["PATCH with malformed JSON", "PATCH", "/api/v1/tasks/:task", () => ({ rawBody: "{" }), 400, "body"],
    [
      "register without tools",
      "POST",
      "/api/v1/workers/register",
      () => ({ body: { machine_id: "m", machine_name: "n", platform: "linux" } }),
      400,
      "body.tools",
    ],
    [
      "register with an unknown tool",
      "POST",
      "/api/v1/workers/register",
      () => ({ body: { machine_id: "m", machine_name: "n", platform: "linux", tools: [{ name: "hal9000" }] } }),
      400,
    ],
    [
      "register with 0 slots",
      "POST",
      "/api/v1/workers/register",
      () => ({ body: { machine_id: "m", machine_name: "n", platform: "linux", tools: [], slots: 0 } }),
      400,
      "body.slots",
    ],
    [
      "register with a NUL machine id",
      "POST",
      "/api/v1/workers/register",
      () => ({ body: { machine_id: "m\u0000", machine_name: "n", platform: "linux", tools: [] } }),
      400,
      "body.machine_id",
    ],
    [
      "heartbeat with 150% cpu",
      "POST",
      "/api/v1/workers/:worker/heartbeat",
      () => ({ body: { cpu_percent: 150, memory_percent: 1, disk_percent: 1 } }),
      400,
      "body.cpu_percent",
    ],
    [
      "heartbeat with SQL in task ids",
      "POST",
      "/api/v1/workers/:worker/heartbeat",
      () => ({ body: { cpu_percent: 1, memory_percent: 1, disk_percent: 1, running_task_ids: ["x' or 1=1"] } }),
      400,
    ],
    ["pull waiting 31 s", "GET", "/api/v1/workers/:worker/pull-task?wait=31", () => ({}), 400, "query.wait"],
    ["pull waiting -1 s", "GET", "/api/v1/workers/:worker/pull-task?wait=-1", () => ({}), 400, "query.wait"],
    [
      "complete without a token",
      "POST",
      "/api/v1/tasks/:task/complete",
      () => ({ body: { result: { output: "x" } } }),
      400,
      "body.attempt_token",
    ],
    [
      "complete with a result of the wrong shape",
      "POST",
      "/api/v1/tasks/:task/complete",
      () => ({ body: { attempt_token: attemptToken, result: { output: 5 } } }),
      400,
      "body.result.output",
    ],
    [
      "progress of 101",
      "POST",
      "/api/v1/tasks/:task/progress",
      () => ({ body: { attempt_token: attemptToken, progress: 101 } }),
      400,
      "body.progress",
    ],
    [
      "fail without an error",
      "POST",
      "/api/v1/tasks/:task/fail",
      () => ({ body: { attempt_token: attemptToken } }),
      400,
      "body.error",
    ],
    [
      "share with an unknown role",
      "POST",
      "/api/v1/workers/:worker/share",
      () => ({ body: { username: "x", role: "admin" } }),
      400,
      "body.role",
    ],
    [
      "share with neither user",
      "POST",
      "/api/v1/workers/:worker/share",
      () => ({ body: { role: "viewer" } }),
      400,
      "body.username",
    ],
  ];

  it.each(otherCases)("%s: a problem, nothing written", async (_name, method, path, input, status, field) => {
    const before = await snapshot();
    const url = path.replace(":task", taskId).replace(":worker", workerId);
    const response = await api.request(method, url, { ...input(), token: key });
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    if (field) expect(response.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it("keeps the claimed task intact through all of it", async () => {
    const task = (await api.get(`/api/v1/tasks/${taskId}`, { token: user.access_token })).body;
    expect(task).toMatchObject({ status: "assigned", attempt: 1, progress: 0, result: null });
    const done = await api.post(
      `/api/v1/tasks/${taskId}/complete`,
      { attempt_token: attemptToken, result: { output: "NUL \u0000 and lone \ud800 are cleaned" } },
      { token: key },
    );
    expect(done.status).toBe(200);
    expect(done.body.result.output).toBe("NUL  and lone \ufffd are cleaned");
  });
});
