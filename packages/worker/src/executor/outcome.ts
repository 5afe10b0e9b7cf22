// How a run ends, as the worker reports it: a result, or a failure of a kind that decides whether another
// attempt may help. Pure (no Node imports): the browser worker on a phone reports its runs the same way.
import type { TaskResult, ToolLimit } from "@garageswarm/protocol";
import {
  abortReasonOf,
  ToolAbortedError,
  ToolError,
  ToolInputError,
  ToolLimitedError,
  ToolUnavailableError,
} from "../tools/errors.ts";

export type TaskOutcome =
  | { task_id: string; status: "completed"; result: TaskResult }
  | { task_id: string; status: "failed" | "cancelled" | "timed_out"; error: TaskFailure };

export interface TaskFailure {
  message: string;
  /**
   * run_error: the tool failed; input: it cannot take the task as it is (retrying cannot help); limited: it
   * hit a usage or rate limit (`limit` says until when); unavailable: not installed or not enabled;
   * aborted: cancel or timeout.
   */
  kind: "run_error" | "input" | "limited" | "unavailable" | "aborted" | "internal";
  output: string;
  exit_code: number | null;
  detail: Record<string, unknown>;
  /** Set with kind `limited`. */
  limit?: ToolLimit;
  /** The agent session the run used, when the tool said: a later attempt may resume it. */
  session_id?: string;
}

/** The outcome of a run that threw: aborted (cancel, timeout), a typed tool failure, or an internal error. */
export function failureOutcome(taskId: string, error: unknown, signal: AbortSignal): TaskOutcome {
  if (error instanceof ToolAbortedError || (signal.aborted && !(error instanceof ToolError))) {
    const reason = error instanceof ToolAbortedError ? error.reason : abortReasonOf(signal);
    return {
      task_id: taskId,
      status: reason,
      error: {
        message: reason === "timed_out" ? "The task timed out" : "The task was cancelled",
        kind: "aborted",
        output: error instanceof ToolError ? error.output : "",
        exit_code: null,
        detail: {},
      },
    };
  }
  if (error instanceof ToolError) {
    return {
      task_id: taskId,
      status: "failed",
      error: {
        message: error.message,
        kind: failureKind(error),
        output: error.output,
        exit_code: error.exitCode,
        detail: error.detail,
        ...(error instanceof ToolLimitedError ? { limit: error.limit } : {}),
        ...(error.sessionId ? { session_id: error.sessionId } : {}),
      },
    };
  }
  return {
    task_id: taskId,
    status: "failed",
    error: {
      message: error instanceof Error ? error.message : String(error),
      kind: "internal",
      output: "",
      exit_code: null,
      detail: {},
    },
  };
}

function failureKind(error: ToolError): TaskFailure["kind"] {
  if (error instanceof ToolLimitedError) return "limited";
  if (error instanceof ToolInputError) return "input";
  if (error instanceof ToolUnavailableError) return "unavailable";
  return "run_error";
}
