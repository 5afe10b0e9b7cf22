// The worker's REST calls (RestClient: register, heartbeat, long-poll pull, the fenced reports on an
// attempt), and the link over them (RestLink) that the worker uses whenever no WebSocket session is open.
import {
  AssignedTask,
  type Heartbeat,
  HeartbeatAnswer,
  type TaskComplete,
  type TaskFail,
  type TaskOutput,
  type TaskProgress,
  type WorkerRegister,
  WorkerRegistered,
} from "@garageswarm/protocol";
import {
  type AttemptFence,
  AttemptFencedError,
  type DeliveryOutcome,
  type HeartbeatOutcome,
  type MeasuredHeartbeat,
  type OutputChunk,
  type ServerLink,
} from "./link.ts";
import type { WorkerLog } from "./log.ts";
import type { Report } from "./report.ts";

/** The server answered with an error status; `detail` is the problem document's explanation. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(`HTTP ${status}: ${detail}`);
    this.name = "ApiError";
  }

  /** 409 (stale attempt token or a finished task) or 404 (task gone): this attempt may never report again. */
  get fenced(): boolean {
    return this.status === 409 || this.status === 404;
  }
}

/** No answer at all: connection refused, DNS, reset. Worth retrying. */
export class UnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${url}: ${describeCause(cause)}`);
    this.name = "UnreachableError";
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: string; message?: string } })?.cause;
  return inner?.code ?? inner?.message ?? (cause as Error)?.message ?? String(cause);
}

export class RestClient {
  constructor(
    readonly baseUrl: string,
    private readonly key: string,
  ) {}

  async register(body: WorkerRegister): Promise<WorkerRegistered> {
    return WorkerRegistered.parse(await this.call("POST", "/api/v1/workers/register", body));
  }

  async heartbeat(workerId: string, body: Heartbeat): Promise<HeartbeatAnswer> {
    return HeartbeatAnswer.parse(await this.call("POST", `/api/v1/workers/${workerId}/heartbeat`, body));
  }

  /**
   * Claims a task, waiting up to `waitSeconds`; null when there is none. The answer is a ClaimedTask; the
   * worker reads the AssignedTask in it (what a pushed task carries too), so the rest of the task's view
   * may grow or change without breaking workers.
   */
  async pullTask(workerId: string, waitSeconds: number, signal?: AbortSignal): Promise<AssignedTask | null> {
    const answer = await this.call(
      "GET",
      `/api/v1/workers/${workerId}/pull-task?wait=${waitSeconds}`,
      undefined,
      signal,
    );
    return answer === undefined ? null : AssignedTask.parse(answer);
  }

  async startTask(taskId: string, attemptToken: string): Promise<void> {
    await this.call("POST", `/api/v1/tasks/${taskId}/start`, { attempt_token: attemptToken });
  }

  async reportOutput(taskId: string, body: TaskOutput): Promise<void> {
    await this.call("POST", `/api/v1/tasks/${taskId}/output`, body);
  }

  async reportProgress(taskId: string, body: TaskProgress): Promise<void> {
    await this.call("POST", `/api/v1/tasks/${taskId}/progress`, body);
  }

  async completeTask(taskId: string, body: TaskComplete): Promise<void> {
    await this.call("POST", `/api/v1/tasks/${taskId}/complete`, body);
  }

  async failTask(taskId: string, body: TaskFail): Promise<void> {
    await this.call("POST", `/api/v1/tasks/${taskId}/fail`, body);
  }

  /** The cumulative patch of the change a follow-up continues (text/x-diff); the attempt's token proves it. */
  async workspacePatch(taskId: string, attemptToken: string): Promise<string> {
    const query = new URLSearchParams({ attempt_token: attemptToken });
    const response = await this.send("GET", `/api/v1/tasks/${taskId}/workspace.patch?${query}`);
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, problemDetail(text, response.statusText));
    return text;
  }

  private async send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnreachableError(this.baseUrl, error);
    }
  }

  private async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const response = await this.send(method, path, body, signal);
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, problemDetail(text, response.statusText));
    return text === "" ? undefined : JSON.parse(text);
  }
}

/** Everything over plain HTTP: output in batches, reports, heartbeats that also say which tasks to stop. */
export class RestLink implements ServerLink {
  readonly mode = "pull" as const;
  readonly live = false;

  constructor(
    private readonly client: RestClient,
    private readonly workerId: string,
    private readonly log: WorkerLog,
  ) {}

  async sendOutput(fence: AttemptFence, chunks: OutputChunk[]): Promise<void> {
    await fenced(fence, this.client.reportOutput(fence.task_id, { attempt_token: fence.attempt_token, chunks }));
  }

  async sendProgress(fence: AttemptFence, progress: number, message: string): Promise<void> {
    const body = { attempt_token: fence.attempt_token, progress, message };
    await fenced(fence, this.client.reportProgress(fence.task_id, body));
  }

  async deliver(report: Report): Promise<DeliveryOutcome> {
    try {
      await this.send(report);
      return "delivered";
    } catch (error) {
      if (error instanceof ApiError && error.fenced) return "fenced";
      if (error instanceof ApiError && error.status === 400) return this.refused(report, error);
      throw error;
    }
  }

  async heartbeat(body: MeasuredHeartbeat): Promise<HeartbeatOutcome> {
    const answer = await this.client.heartbeat(this.workerId, body);
    return {
      accepted: true,
      intervalSeconds: answer.heartbeat_interval_seconds,
      cancelTaskIds: answer.cancel_task_ids,
    };
  }

  private send(report: Report): Promise<void> {
    if (report.kind === "complete") {
      return this.client.completeTask(report.task_id, { attempt_token: report.attempt_token, result: report.result });
    }
    return this.client.failTask(report.task_id, {
      attempt_token: report.attempt_token,
      error: report.error,
      retryable: report.retryable,
      ...(report.limit ? { limit: report.limit } : {}),
      ...(report.session_id ? { session_id: report.session_id } : {}),
    });
  }

  /** The server will never take this body: say so as a failure rather than retry forever. */
  private async refused(report: Report, error: ApiError): Promise<DeliveryOutcome> {
    this.log.error(`task ${report.task_id}: the server refused the ${report.kind} report: ${error.detail}`);
    if (report.kind === "complete") {
      await this.client.failTask(report.task_id, {
        attempt_token: report.attempt_token,
        error: `the worker's result was refused by the server: ${error.detail}`.slice(0, 20_000),
        retryable: false,
      });
    } else if (report.limit || report.session_id) {
      // A server older than usage limits refuses the fields it does not know: the plain failure still
      // gives the task back.
      const { limit: _limit, session_id: _session, ...plain } = report;
      return this.deliver(plain);
    }
    return "delivered";
  }
}

/** A 409 or 404 on an attempt's message means the attempt is over for the server. */
async function fenced(fence: AttemptFence, call: Promise<void>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiError && error.fenced) throw new AttemptFencedError(fence.task_id);
    throw error;
  }
}

function problemDetail(text: string, fallback: string): string {
  try {
    const problem = JSON.parse(text) as { detail?: string; title?: string };
    return problem.detail ?? problem.title ?? fallback;
  } catch {
    return text.slice(0, 200) || fallback;
  }
}
