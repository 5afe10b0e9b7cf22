// The one interface every tool adapter implements, and the shapes passed into a run.
import type { TaskResult, ToolId, WorkerTool } from "@garageswarm/protocol";

/** What a tool is asked to do: one prompt, an optional model, and tool-specific options. */
export interface ToolTask {
  task_id: string;
  prompt: string;
  model?: string | null;
  /** Tool-specific knobs (`max_turns`, `allowed_tools`, `permission_mode`, `sandbox`, `system`, `max_tokens`…). */
  options: Record<string, unknown>;
  /**
   * The agent session to continue (Claude Code `--resume`, `codex exec resume`): the task was parked by a
   * usage limit and comes back to the same tool on this worker. Tools without sessions ignore it.
   */
  resume_session_id?: string;
  /**
   * What the resumed session is sent: `continue` (default: a parked task goes on where it stopped) or
   * `prompt`, this task's prompt as the session's next turn (a review round with the reviewer's comments).
   */
  resume_turn?: "continue" | "prompt";
}

export type OutputStream = "stdout" | "stderr" | "event";

/** Where and how a run happens. Aborting `signal` stops the run and kills every process it started. */
export interface RunContext {
  signal: AbortSignal;
  /** The task's own working directory; subprocess tools start in it. */
  workdir: string;
  /** Live output: the model's text on `stdout`, diagnostics on `stderr`, tool activity as JSON on `event`. */
  onOutput(chunk: string, stream?: OutputStream): void;
}

export interface ToolHealth {
  healthy: boolean;
  detail?: string;
}

/** A tool adapter. Runs reject with the typed errors in errors.ts, never with a bare Error. */
export interface Tool {
  readonly id: ToolId;
  /** Whether the tool is installed or configured: its version and models, or null when absent. */
  detect(): Promise<WorkerTool | null>;
  health(): Promise<ToolHealth>;
  run(task: ToolTask, context: RunContext): Promise<TaskResult>;
}

/** Reads a string option, ignoring anything that is not a non-empty string. */
export function stringOption(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** Reads a positive integer option (numbers or numeric strings). */
export function integerOption(options: Record<string, unknown>, name: string): number | undefined {
  const value = typeof options[name] === "string" ? Number(options[name]) : options[name];
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Reads a list option given as an array of strings or one comma-separated string. */
export function listOption(options: Record<string, unknown>, name: string): string[] | undefined {
  const value = options[name];
  if (typeof value === "string" && value.trim() !== "") return value.split(",").map((item) => item.trim());
  if (Array.isArray(value) && value.every((item) => typeof item === "string") && value.length > 0) return value;
  return undefined;
}

/** For tools whose detection is a live call (listing models): healthy exactly when detection worked. */
export function healthOf(detected: WorkerTool): ToolHealth {
  return { healthy: detected.healthy, ...(detected.detail ? { detail: detected.detail } : {}) };
}
