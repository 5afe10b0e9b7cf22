// The worker's REST calls: register, heartbeat, long-poll pull, and the fenced reports on an attempt.
import {
  ClaimedTask,
  type Heartbeat,
  HeartbeatAnswer,
  type TaskComplete,
  type TaskFail,
  type TaskOutput,
  type TaskProgress,
  type WorkerRegister,
  WorkerRegistered,
} from "@garageswarm/protocol";

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

  /** Claims a task, waiting up to `waitSeconds`; null when there is none. */
  async pullTask(workerId: string, waitSeconds: number, signal?: AbortSignal): Promise<ClaimedTask | null> {
    const answer = await this.call(
      "GET",
      `/api/v1/workers/${workerId}/pull-task?wait=${waitSeconds}`,
      undefined,
      signal,
    );
    return answer === undefined ? null : ClaimedTask.parse(answer);
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

  private async call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.baseUrl}${path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new UnreachableError(this.baseUrl, error);
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(response.status, problemDetail(text, response.statusText));
    return text === "" ? undefined : JSON.parse(text);
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
