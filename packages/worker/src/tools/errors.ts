// Typed failures of a tool run. Each carries the output produced so far, so a failed or cancelled
// attempt still reports what the tool said before it stopped.
import type { ToolId, ToolLimit } from "@garageswarm/protocol";

export class ToolError extends Error {
  constructor(
    message: string,
    readonly tool: ToolId,
    /** Everything the tool printed (or streamed) before it stopped. */
    readonly output = "",
    readonly exitCode: number | null = null,
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The tool ran and failed: non-zero exit, an `is_error` result, an HTTP or API error. */
export class ToolRunError extends ToolError {}

/**
 * The tool said it may not be used for a while: a subscription's usage window, a rate limit the CLI gave up
 * on, an exhausted quota. Not the task's failure: the server parks the task until the reset (or fails it
 * over to another tool) without using an attempt, and passes over this tool until then.
 */
export class ToolLimitedError extends ToolRunError {
  constructor(
    message: string,
    tool: ToolId,
    readonly limit: ToolLimit,
    output = "",
    exitCode: number | null = null,
    detail: Record<string, unknown> = {},
  ) {
    super(message, tool, output, exitCode, detail);
  }
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
