// Helpers for the run tests: a test "worker" that pulls node tasks over HTTP and answers them, a loop that
// drives a run until it settles, and `useRunTest`, the server, clock and owner every run test file starts
// with. Nothing of ours is stubbed: real API, queue and advancer.

import { ToolId } from "@garageswarm/protocol";
import type { ServerConfig } from "@garageswarm/server";
import { afterAll, beforeAll } from "vitest";
import { type ApiClient, apiClient } from "../../../test/support/http.ts";
import { startTestServer, type TestServer } from "../../../test/support/server.ts";
import { createApiKey, createUser, type TestUser } from "../../../test/support/users.ts";
import { manualClock, pull, registerWorker } from "./queue.support.ts";

export type Claimed = {
  task_id: string;
  node_id: string;
  run_id: string;
  prompt: string;
  attempt_token: string;
  options: Record<string, unknown>;
  pinned_worker_id: string | null;
  [key: string]: unknown;
};

/** What the worker does with a claimed task: complete it, fail it, or keep it running. */
export type Reply = { output: string; exit_code?: number } | { error: string; retryable?: boolean } | "hold";

export interface Owner extends TestUser {
  key: string;
  workerId: string;
}

/** A user with an API key and one worker offering every tool. */
export async function ownerWithWorker(api: ApiClient): Promise<Owner> {
  const user = await createUser(api);
  const key = await createApiKey(api, user);
  const worker = await registerWorker(api, key, { tools: [...ToolId.options], slots: 256 });
  return { ...user, key, workerId: worker.worker_id };
}

export async function createWorkflow(api: ApiClient, owner: TestUser, body: Record<string, unknown>) {
  const response = await api.post("/api/v1/workflows", { name: "wf", ...body }, { token: owner.access_token });
  if (response.status !== 201) throw new Error(`create workflow: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.workflow_id as string;
}

export async function execute(api: ApiClient, owner: TestUser, workflowId: string, input?: Record<string, unknown>) {
  const response = await api.post(`/api/v1/workflows/${workflowId}/execute`, input ? { input } : undefined, {
    token: owner.access_token,
  });
  if (response.status !== 201) throw new Error(`execute: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.run_id as string;
}

export async function getRun(api: ApiClient, owner: TestUser, runId: string) {
  const response = await api.get(`/api/v1/runs/${runId}`, { token: owner.access_token });
  if (response.status !== 200) throw new Error(`get run: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export function nodeOf(run: { nodes: Array<{ node_id: string }> }, nodeId: string): any {
  const node = run.nodes.find((candidate) => candidate.node_id === nodeId);
  if (!node) throw new Error(`run has no node ${nodeId}: ${run.nodes.map((n) => n.node_id).join(", ")}`);
  return node;
}

export async function pullOne(api: ApiClient, owner: Owner, workerId = owner.workerId): Promise<Claimed | null> {
  const response = await pull(api, owner.key, workerId);
  if (response.status === 204) return null;
  if (response.status !== 200) throw new Error(`pull: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Claimed;
}

export async function answer(api: ApiClient, owner: Owner, task: Claimed, reply: Reply): Promise<void> {
  const token = { token: owner.key };
  const started = await api.post(`/api/v1/tasks/${task.task_id}/start`, { attempt_token: task.attempt_token }, token);
  if (started.status !== 200) throw new Error(`start: ${started.status} ${JSON.stringify(started.body)}`);
  if (reply === "hold") return;
  const response =
    "error" in reply
      ? await api.post(
          `/api/v1/tasks/${task.task_id}/fail`,
          { attempt_token: task.attempt_token, error: reply.error, retryable: reply.retryable ?? true },
          token,
        )
      : await api.post(
          `/api/v1/tasks/${task.task_id}/complete`,
          {
            attempt_token: task.attempt_token,
            result: { output: reply.output, exit_code: reply.exit_code ?? 0 },
          },
          token,
        );
  if (response.status !== 200) throw new Error(`report: ${response.status} ${JSON.stringify(response.body)}`);
}

const finished = new Set(["completed", "failed", "cancelled"]);

/**
 * Steps the run, pulls the next task, answers it with `respond`, and again, until the run finishes,
 * `until` holds, or no task is left to pull. Returns the run and every task this loop claimed.
 */
export async function drive(
  server: TestServer,
  api: ApiClient,
  owner: Owner,
  runId: string,
  respond: (task: Claimed) => Reply,
  options: { until?: (run: any) => boolean; maxTasks?: number } = {},
): Promise<{ run: any; tasks: Claimed[] }> {
  const tasks: Claimed[] = [];
  for (;;) {
    await server.advancer.runOnce();
    const run = await getRun(api, owner, runId);
    if (finished.has(run.status) || options.until?.(run)) return { run, tasks };
    const task = await pullOne(api, owner);
    if (!task) return { run, tasks };
    tasks.push(task);
    if (tasks.length > (options.maxTasks ?? 200)) throw new Error("too many tasks: the run does not settle");
    await answer(api, owner, task, respond(task));
  }
}

/** The run's tasks as the tasks API lists them (newest first). */
export async function tasksOfWorkflow(api: ApiClient, owner: TestUser, workflowId: string): Promise<any[]> {
  const response = await api.get(`/api/v1/tasks?workflow_id=${workflowId}&limit=200`, { token: owner.access_token });
  if (response.status !== 200) throw new Error(`list tasks: ${response.status}`);
  return response.body.items;
}

/** How many tasks each node got, per iteration (from the node's task ids over time is not enough: count rows). */
export function countByNode(tasks: Array<{ node_id: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const task of tasks) counts[task.node_id] = (counts[task.node_id] ?? 0) + 1;
  return counts;
}

/**
 * What a run test file works with: one server over a fresh database, a clock moved by hand, and an owner
 * whose worker offers every tool; the helpers above with the server, client and owner filled in.
 */
export class RunTest {
  readonly clock = manualClock();
  server!: TestServer;
  api!: ApiClient;
  owner!: Owner;

  /** The owner's access token, as request options. */
  as() {
    return { token: this.owner.access_token };
  }
  createWorkflow(body: Record<string, unknown>) {
    return createWorkflow(this.api, this.owner, body);
  }
  execute(workflowId: string, input?: Record<string, unknown>) {
    return execute(this.api, this.owner, workflowId, input);
  }
  getRun(runId: string) {
    return getRun(this.api, this.owner, runId);
  }
  pullOne(workerId?: string) {
    return pullOne(this.api, this.owner, workerId);
  }
  answer(task: Claimed, reply: Reply) {
    return answer(this.api, this.owner, task, reply);
  }
  drive(runId: string, respond: (task: Claimed) => Reply, options?: Parameters<typeof drive>[5]) {
    return drive(this.server, this.api, this.owner, runId, respond, options);
  }
  tasksOfWorkflow(workflowId: string) {
    return tasksOfWorkflow(this.api, this.owner, workflowId);
  }
  /** Pauses, resumes or cancels the run as its owner; the response as it came. */
  control(runId: string, control: "pause" | "resume" | "cancel") {
    return this.api.post(`/api/v1/runs/${runId}/${control}`, undefined, this.as());
  }
  /**
   * Reads the run until `until` holds (or 20 s of tries pass): for what the advancer does on its own, on a
   * bus hint or its next scan, without a step by hand.
   */
  async waitForRun(runId: string, until: (run: any) => boolean): Promise<any> {
    for (let tries = 0; ; tries++) {
      const run = await this.getRun(runId);
      if (until(run) || tries >= 200) return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  /** Steps every run with work waiting, as the advancer's scan would. */
  step() {
    return this.server.advancer.runOnce();
  }
}

/**
 * Registers the file's beforeAll/afterAll: starts the server with `settings` (long-lived access tokens, so
 * a clock moved by days keeps the owner signed in) and closes it after the file.
 */
export function useRunTest(settings: Partial<ServerConfig> = {}): RunTest {
  const t = new RunTest();
  beforeAll(async () => {
    t.server = await startTestServer({ accessTokenTtlSeconds: 7 * 24 * 3600, ...settings }, { clock: t.clock });
    t.api = apiClient(t.server.url);
    t.owner = await ownerWithWorker(t.api);
  });
  afterAll(() => t.server?.close());
  return t;
}
