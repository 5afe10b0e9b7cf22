// Helpers for the tasks, workers and queue tests: real HTTP calls, nothing stubbed.
import { randomBytes } from "node:crypto";
import type { ApiClient } from "../../../test/support/http.ts";
import type { Clock, TimerHandle, Timers } from "../src/clock.ts";

interface ManualTimer {
  at: number;
  run: () => unknown;
}

/**
 * A clock the test moves by hand, so lease and backoff tests never sleep. It is also a timer port: given
 * to the server as `timers` too, its timers fire when the test moves the clock past them, in order.
 */
export function manualClock(start = new Date()) {
  let now = start.getTime();
  const pending = new Set<ManualTimer>();
  const fired: unknown[] = [];
  const fireDue = () => {
    for (;;) {
      const due = [...pending].filter((timer) => timer.at <= now).sort((a, b) => a.at - b.at)[0];
      if (!due) return;
      pending.delete(due);
      fired.push(due.run());
    }
  };
  const clock: Clock &
    Timers & {
      advance(seconds: number): Date;
      /** Moves the clock and waits for what the timers it fired set off (their returned promises). */
      tick(seconds: number): Promise<Date>;
    } = {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
      fireDue();
      return new Date(now);
    },
    async tick(seconds: number) {
      const at = clock.advance(seconds);
      while (fired.length > 0) await Promise.allSettled(fired.splice(0));
      return at;
    },
    setTimeout(run: () => unknown, ms: number): TimerHandle {
      const timer: ManualTimer = { at: now + ms, run };
      pending.add(timer);
      return timer;
    },
    clearTimeout(handle: TimerHandle | undefined) {
      if (handle) pending.delete(handle as ManualTimer);
    },
  };
  return clock;
}

export interface WorkerOptions {
  /** A tool's name, or its whole entry (models, health, `max_concurrent`, `any_model`, …). */
  tools?: Array<string | ({ name: string; models?: string[]; healthy?: boolean } & Record<string, unknown>)>;
  labels?: string[];
  slots?: number;
  capacity?: { cpu_cores?: number; memory_gb?: number };
  machine_id?: string;
}

export async function registerWorker(api: ApiClient, credential: string, options: WorkerOptions = {}) {
  const tools = (options.tools ?? ["claude_code"]).map((tool) =>
    typeof tool === "string"
      ? { name: tool, version: "1.0.0", models: [], healthy: true }
      : { version: "1.0.0", ...tool },
  );
  const response = await api.post(
    "/api/v1/workers/register",
    {
      machine_id: options.machine_id ?? `machine-${randomBytes(6).toString("hex")}`,
      machine_name: "test box",
      platform: "linux",
      tools,
      slots: options.slots ?? 1,
      labels: options.labels ?? [],
      capacity: options.capacity ?? {},
    },
    { token: credential },
  );
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as { worker_id: string; [key: string]: unknown };
}

export async function createTask(api: ApiClient, token: string, body: Record<string, unknown> = {}) {
  const response = await api.post(
    "/api/v1/tasks",
    { description: "say hello", tool: "claude_code", ...body },
    { token },
  );
  if (response.status !== 201)
    throw new Error(`create task failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as { task_id: string; [key: string]: unknown };
}

export function pull(api: ApiClient, credential: string, workerId: string, wait = 0) {
  return api.get(`/api/v1/workers/${workerId}/pull-task?wait=${wait}`, { token: credential });
}

/** Offers the worker to `member` with `role`, and the member accepts: a share both sides agreed to. */
export async function shareAccepted(
  api: ApiClient,
  owner: { access_token: string },
  workerId: string,
  member: { username: string; access_token: string },
  role: "owner" | "operator" | "viewer",
) {
  const offered = await api.post(
    `/api/v1/workers/${workerId}/share`,
    { username: member.username, role },
    { token: owner.access_token },
  );
  if (offered.status !== 202) throw new Error(`share failed: ${offered.status} ${JSON.stringify(offered.body)}`);
  const accepted = await api.post(`/api/v1/workers/${workerId}/share/accept`, undefined, {
    token: member.access_token,
  });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

/** A worker's report on its attempt (`start`, `complete`, `fail`…) with its owner's key. */
export function report(api: ApiClient, key: string, taskId: string, verb: string, body: Record<string, unknown>) {
  return api.post(`/api/v1/tasks/${taskId}/${verb}`, body, { token: key });
}

/** The tool hit a usage limit: the fail report a worker sends then. */
export function reportLimit(
  api: ApiClient,
  key: string,
  claimed: { task_id: string; attempt_token: string },
  limit: { resets_at: string | null; message?: string; kind?: string },
  sessionId?: string,
) {
  return report(api, key, claimed.task_id, "fail", {
    attempt_token: claimed.attempt_token,
    error: limit.message ?? "You've hit your limit",
    limit: {
      kind: limit.kind ?? "usage_limit",
      message: limit.message ?? "You've hit your limit",
      resets_at: limit.resets_at,
    },
    ...(sessionId ? { session_id: sessionId } : {}),
  });
}
