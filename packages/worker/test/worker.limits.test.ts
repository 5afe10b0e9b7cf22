// A tool that hits its usage limit, through the worker's own attempt bookkeeping and its REST link to a
// real server: the attempt goes back as a limited failure (with the agent's session), the tool is marked
// limited here and advertised so on the next heartbeat, and the worker takes no task of it until the reset.
// The tool is the one stand-in: an adapter that recognised its CLI's usage-limit answer (recognising it
// is each adapter's own business, tested beside it).
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AssignedTask, ToolLimit } from "@garageswarm/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { postgresStackMissing, startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { Attempts } from "../src/agent/attempts.ts";
import { Outbox } from "../src/agent/outbox.ts";
import { RestClient, RestLink } from "../src/agent/rest.ts";
import { ToolCatalog } from "../src/agent/tool-catalog.ts";
import { Executor, TaskRejectedError } from "../src/executor/executor.ts";
import { Workdirs } from "../src/executor/workdir.ts";
import { ToolLimitedError } from "../src/tools/errors.ts";
import type { Tool, ToolTask } from "../src/tools/tool.ts";

describe.skipIf(postgresStackMissing())("a run that hits its tool's usage limit", () => {
  let server: TestServer;
  let api: ApiClient;
  let user: TestUser;
  let key: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    api = apiClient(server.url);
    user = await createUser(api);
    key = await createApiKey(api, user, "limits worker");
  });
  afterAll(async () => {
    await server?.close();
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "gs-limits-"));
    dirs.push(dir);
    return dir;
  };

  it("is given back with the limit and session, marks the tool limited, and the worker says so", async () => {
    const resetsAt = new Date(Date.now() + 3_600_000).toISOString();
    const limit: ToolLimit = {
      kind: "usage_limit",
      resets_at: resetsAt,
      message: "You've hit your limit · resets 7pm",
    };
    const runs: ToolTask[] = [];
    const claude: Tool = {
      id: "claude_code",
      detect: async () => ({
        name: "claude_code",
        version: "2.0.14",
        models: ["sonnet"],
        any_model: true,
        healthy: true,
      }),
      health: async () => ({ healthy: true }),
      run: async (task) => {
        runs.push(task);
        throw new ToolLimitedError(limit, "claude_code", { output: "Working on it…", sessionId: "session-1" });
      },
    };
    const errors: string[] = [];
    const log = { info() {}, warn() {}, error: (message: string) => errors.push(message) };

    const stateDir = await tempDir();
    const catalog = new ToolCatalog({ detectAll: async () => [(await claude.detect())!] });
    await catalog.check();
    const client = new RestClient(server.url, key);
    const registered = await client.register({
      machine_id: randomUUID(),
      machine_name: "limits",
      platform: `${process.platform}-${process.arch}`,
      tools: catalog.current(),
      slots: 2,
      labels: [],
      capacity: {},
    });
    const workerId = registered.worker_id;
    const link = new RestLink(client, workerId, log);
    const workdirs = await Workdirs.open({ stateDir, baseDir: await tempDir() });
    const executor = new Executor({
      tools: { get: (id) => (id === claude.id ? claude : undefined) },
      workdirs,
      slots: 2,
    });
    const outbox = new Outbox(join(stateDir, "outbox"), (report) => link.deliver(report), log);
    let limitedCalls = 0;
    const attempts = new Attempts({
      executor,
      catalog,
      outbox,
      link: () => link,
      log,
      onToolLimited: () => {
        limitedCalls += 1;
      },
    });

    const created = await api.post(
      "/api/v1/tasks",
      { description: "write a haiku", tool: "claude_code" },
      {
        token: user.access_token,
      },
    );
    expect(created.status).toBe(201);
    const task = await client.pullTask(workerId, 5);
    expect(task).toMatchObject({ task_id: created.body.task_id, tool: "claude_code" });
    await client.startTask(task!.task_id, task!.attempt_token);
    attempts.run(task!);
    await attempts.settled();
    expect(await outbox.flush(10_000)).toBe(true);

    expect(runs).toHaveLength(1);
    // The server took the report as it was (a refused body would have been logged and sent plain).
    expect(errors).toEqual([]);
    const view = (await api.get(`/api/v1/tasks/${task!.task_id}`, { token: user.access_token })).body;
    expect(view.status).toBe("queued");
    expect(limitedCalls).toBe(1);
    expect(catalog.limitOf("claude_code")).toEqual(limit);

    // The next heartbeat carries the tool list with the limit; the server shows it.
    const changed = catalog.unadvertised();
    expect(changed).not.toBeNull();
    const answer = await link.heartbeat({
      cpu_percent: 1,
      memory_percent: 1,
      disk_percent: 1,
      running_task_ids: [],
      tools: changed!.tools,
    });
    expect(answer.accepted).toBe(true);
    catalog.advertised(changed!.version);
    const worker = (await api.get(`/api/v1/workers/${workerId}`, { token: user.access_token })).body;
    expect(worker.tools).toEqual([
      expect.objectContaining({
        name: "claude_code",
        limited_until: resetsAt,
        limit_message: "You've hit your limit · resets 7pm",
      }),
    ]);

    // Until the reset the worker takes no task of the tool: it polls for none and refuses an offer.
    expect(attempts.canTakeMore()).toBe(false);
    const offer: AssignedTask = { ...task!, task_id: randomUUID(), attempt_token: randomUUID() };
    expect(() => attempts.run(offer)).toThrow(TaskRejectedError);
    expect(() => attempts.run(offer)).toThrow(expect.objectContaining({ reason: "tool_limited", limit }));
    expect(runs).toHaveLength(1);
    outbox.stop();
    workdirs.close();
  });
});
