// Typed failures of a tool run. Each carries the output produced so far, so a failed or cancelled
// attempt still reports what the tool said before it stopped, and the agent's session when it had one.
import { type ToolId, ToolLimit } from "@garageswarm/protocol";

export class ToolError extends Error {
  constructor(
    message: string,
    readonly tool: ToolId,
    /** Everything the tool printed (or streamed) before it stopped. */
    readonly output = "",
    readonly exitCode: number | null = null,
    readonly detail: Record<string, unknown> = {},
    /**
     * The agent's session (Claude Code `session_id`, Codex `thread_id`): a later attempt may resume it.
     * Defaults to the `session_id` an adapter put in the detail.
     */
    readonly sessionId: string | undefined = typeof detail.session_id === "string" ? detail.session_id : undefined,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The tool ran and failed: non-zero exit, an `is_error` result, an HTTP or API error. */
export class ToolRunError extends ToolError {}

/** The tool cannot take the task as it is (a prompt too large for a command line): retrying cannot help. */
export class ToolInputError extends ToolRunError {}

/**
 * The tool refused to work for a while: a subscription's usage window, a rate limit, an exhausted quota.
 * Not the task's fault: the worker reports it with the limit (the task waits and keeps its attempts) and
 * offers the tool to no task until the limit resets.
 */
export class ToolLimitedError extends ToolError {
  readonly limit: ToolLimit;

  constructor(
    limit: ToolLimit,
    tool: ToolId,
    extra: { output?: string; exitCode?: number | null; detail?: Record<string, unknown>; sessionId?: string } = {},
  ) {
    // What an adapter read from a CLI's output goes on the wire: a reset time the schema refuses is dropped
    // (the worker then waits its default), and the message is cut to what the server keeps.
    const resetsAt = ToolLimit.shape.resets_at.safeParse(limit.resets_at);
    const bounded: ToolLimit = {
      kind: limit.kind,
      resets_at: resetsAt.success ? resetsAt.data : null,
      message: limit.message.slice(0, 2000),
    };
    super(describeLimit(tool, bounded), tool, extra.output, extra.exitCode, extra.detail, extra.sessionId);
    this.limit = bounded;
  }
}

function describeLimit(tool: ToolId, limit: ToolLimit): string {
  const what = { usage_limit: "a usage limit", rate_limit: "a rate limit", quota: "an exhausted quota" }[limit.kind];
  const until = limit.resets_at ? ` until ${limit.resets_at}` : "";
  return `${tool} is limited${until} (${what})${limit.message ? `: ${limit.message}` : ""}`;
}

/** The tool is not installed, not configured, or not enabled on this worker (shell off). */
export class ToolUnavailableError extends ToolError {}

export type AbortReason = "cancelled" | "timed_out";

/** The run was stopped from outside (cancel or timeout); its processes have been killed. */
export class ToolAbortedError extends ToolError {
  constructor(
    readonly reason: AbortReason,
    tool: ToolId,
    output = "",
  ) {
    super(reason === "timed_out" ? "The task timed out" : "The task was cancelled", tool, output);
  }
}

/** Reads why a signal was aborted: a TimeoutError (AbortSignal.timeout) is a timeout, anything else a cancel. */
export function abortReasonOf(signal: AbortSignal): AbortReason {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === "TimeoutError") return "timed_out";
  if (reason === "timed_out") return "timed_out";
  return "cancelled";
}

/** The message of anything thrown. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `{status}` for SDK errors that carry an HTTP status, for the error's detail. */
export function statusOf(error: unknown): Record<string, unknown> {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? { status } : {};
}
