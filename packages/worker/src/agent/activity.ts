// What this worker is doing and has just done, as the owner looks at it on this machine (the control
// panel): the attempts running now with the tail of their output, and the last results. In memory only and
// bounded; the server keeps the full record. `change` fires on every start, end and output chunk, `output`
// with each chunk, for a live view.
import { EventEmitter } from "node:events";
import type { AssignedTask, ToolId } from "@garageswarm/protocol";
import type { TaskOutcome } from "../executor/executor.ts";
import type { OutputStream } from "../tools/tool.ts";

/** Characters of output kept per running task (the newest). */
export const OUTPUT_TAIL_CHARS = 16_000;
/** Finished attempts kept for the view. */
export const RECENT_RESULTS = 20;

export interface RunningAttempt {
  task_id: string;
  tool: ToolId;
  attempt: number;
  started_at: string;
  /** The first line of the prompt, shortened: what the task is about. */
  summary: string;
  /** The newest OUTPUT_TAIL_CHARS characters of its output. */
  output: string;
}

export interface FinishedAttempt {
  task_id: string;
  tool: ToolId;
  /** `handed_back`: the drain deadline passed and the task went back to the server for another worker. */
  status: TaskOutcome["status"] | "handed_back";
  started_at: string;
  ended_at: string;
  summary: string;
  /** The error for a failed run; the start of the answer for a completed one. */
  detail: string;
  cost_usd: number | null;
}

export interface ActivityEvents {
  change: [];
  output: [{ task_id: string; chunk: string; stream: OutputStream }];
}

export class Activity extends EventEmitter<ActivityEvents> {
  private readonly runningByTask = new Map<string, RunningAttempt>();
  private readonly results: FinishedAttempt[] = [];

  constructor(private readonly now: () => Date = () => new Date()) {
    super();
  }

  running(): RunningAttempt[] {
    return [...this.runningByTask.values()].map((attempt) => ({ ...attempt }));
  }

  /** Newest first. */
  recent(): FinishedAttempt[] {
    return [...this.results];
  }

  started(task: AssignedTask): void {
    this.runningByTask.set(task.task_id, {
      task_id: task.task_id,
      tool: task.tool,
      attempt: task.attempt,
      started_at: this.now().toISOString(),
      summary: summaryOf(task.prompt),
      output: "",
    });
    this.emit("change");
  }

  output(taskId: string, chunk: string, stream: OutputStream): void {
    const attempt = this.runningByTask.get(taskId);
    if (!attempt) return;
    attempt.output = (attempt.output + chunk).slice(-OUTPUT_TAIL_CHARS);
    this.emit("output", { task_id: taskId, chunk, stream });
    this.emit("change");
  }

  ended(outcome: TaskOutcome, handedBack: boolean): void {
    const attempt = this.runningByTask.get(outcome.task_id);
    if (!attempt) return;
    this.runningByTask.delete(outcome.task_id);
    const completed = outcome.status === "completed";
    this.results.unshift({
      task_id: attempt.task_id,
      tool: attempt.tool,
      status: handedBack ? "handed_back" : outcome.status,
      started_at: attempt.started_at,
      ended_at: this.now().toISOString(),
      summary: attempt.summary,
      detail: (completed ? outcome.result.output : outcome.error.message).slice(0, 500),
      cost_usd: completed ? outcome.result.usage.cost_usd : null,
    });
    this.results.length = Math.min(this.results.length, RECENT_RESULTS);
    this.emit("change");
  }
}

function summaryOf(prompt: string): string {
  const line = prompt.trim().split("\n", 1)[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
}
