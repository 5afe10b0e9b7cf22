// Runs tasks on this worker, at most `slots` at a time and at most `maxConcurrent[tool]` of one tool.
//
// A task's life here:
//   start(task)  → admitted (a slot is free, the tool below its cap, not draining, tool configured, id new,
//                  model name and options allowed by the owner: agent-modes.ts) or TaskRejectedError
//   admitted     → running: workdir created, tool.run with a signal that fires on cancel or timeout
//   running      → completed | failed | cancelled | timed_out; the slot frees only after the tool settled,
//                  which for subprocess tools means its whole process tree is gone; then the workdir is
//                  released (removed now or after its retention: workdir.ts).
// A code task (with `repo`) runs its tool in a worktree of the repository instead (code/code-tasks.ts), kept
// for a review's follow-up; `reported(task)` tells when its report is stored and the worktree may go.
// Invariants: a running task is never dropped — drain() stops admissions and waits, and hands back the
// ids still running if its deadline passes; it never kills them. Every admitted task emits exactly one
// `complete` or `fail`.
import { EventEmitter } from "node:events";
import type { TaskRepo, TaskResult, TaskWorkspace, ToolId, ToolLimit } from "@garageswarm/protocol";
import type { CodeTasks } from "../code/code-tasks.ts";
import { isAgentTool, modelNameProblem, refusalMessage, wideningOptions } from "../tools/agent-modes.ts";
import type { ToolRegistry } from "../tools/registry.ts";
import type { OutputStream, ToolTask } from "../tools/tool.ts";
import { failureOutcome, type TaskFailure, type TaskOutcome } from "./outcome.ts";
import { isSafeTaskId, type WorkdirStore } from "./workdir.ts";

export type { TaskFailure, TaskOutcome } from "./outcome.ts";

export interface ExecutorTask extends ToolTask {
  tool: ToolId;
  /** Wall-clock limit for the run; the executor's default when absent. */
  timeout_seconds?: number | null;
  /** Whose task it is: workdirs are kept in one root per owner. */
  owner_user_id?: string | null;
  /** Which attempt of the task this is (code tasks name their branch after it); 1 when absent. */
  attempt?: number;
  attempt_token?: string;
  /** A code task: the repository its tool works in. */
  repo?: TaskRepo | null;
  /** A review's follow-up: the branch it continues. */
  workspace?: TaskWorkspace | null;
}

export interface ExecutorEvents {
  output: [{ task_id: string; chunk: string; stream: OutputStream }];
  /** The task is alive and doing something: started, or the tool reported activity. */
  progress: [{ task_id: string; phase: "started" | "activity"; output_bytes: number; message?: string }];
  complete: [{ task_id: string; result: TaskResult }];
  fail: [{ task_id: string; status: "failed" | "cancelled" | "timed_out"; error: TaskFailure }];
}

export interface ExecutorOptions {
  tools: Pick<ToolRegistry, "get">;
  /** Where task workdirs are made, and what happens to them when a task ends. */
  workdirs: WorkdirStore;
  /** How many tasks may run at once. */
  slots: number;
  /** Used when a task sets no timeout. */
  defaultTimeoutSeconds?: number;
  /** The agent tools whose powers tasks may widen (--allow-unsafe-agent-modes); default none. */
  allowUnsafeAgentModes?: readonly ToolId[];
  /** At most this many tasks of a tool at once (--max-concurrent claude_code=2); tools not named: `slots`. */
  maxConcurrent?: Partial<Record<ToolId, number>>;
  /** Runs code tasks (tasks with a repo); without it, this worker refuses them. */
  code?: CodeTasks;
}

export type RejectReason =
  | "no_free_slot"
  | "tool_at_capacity"
  | "tool_limited"
  | "draining"
  | "duplicate"
  | "tool_unavailable"
  | "invalid_task_id"
  | "invalid_model"
  | "unsafe_options"
  | "invalid_repo"
  | "repo_refused";

/** The task was not admitted; nothing ran. The connection layer answers `task.reject` with the reason. */
export class TaskRejectedError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
    /** With `tool_limited`: the limit the tool is under. */
    readonly limit?: ToolLimit,
  ) {
    super(message);
    this.name = "TaskRejectedError";
  }

  /** No worker would run it as it is: failing it beats offering it around. */
  get permanent(): boolean {
    return this.reason === "invalid_model" || this.reason === "invalid_task_id" || this.reason === "invalid_repo";
  }

  /** This worker will never run it, though another may (its owner allows more). */
  get refusedByPolicy(): boolean {
    return this.reason === "unsafe_options" || this.reason === "repo_refused";
  }
}

export interface DrainReport {
  /** Tasks that finished while draining. */
  finished: string[];
  /** Tasks still running when the deadline passed; they keep running. */
  still_running: string[];
}

interface RunningTask {
  tool: ToolId;
  controller: AbortController;
  done: Promise<TaskOutcome>;
}

export class Executor extends EventEmitter<ExecutorEvents> {
  private readonly running = new Map<string, RunningTask>();
  /** Code tasks parked by a limit whose report is not stored yet: their worktree waits for the resume. */
  private readonly parkedCode = new Set<string>();
  private isDraining = false;

  constructor(private readonly options: ExecutorOptions) {
    super();
    if (!Number.isInteger(options.slots) || options.slots < 1) throw new RangeError("slots must be a positive integer");
  }

  get slots(): number {
    return this.options.slots;
  }

  get freeSlots(): number {
    return this.options.slots - this.running.size;
  }

  get draining(): boolean {
    return this.isDraining;
  }

  /** Ids of the tasks running now, with their tool. */
  runningTasks(): Array<{ task_id: string; tool: ToolId }> {
    return [...this.running].map(([task_id, task]) => ({ task_id, tool: task.tool }));
  }

  /** How many more tasks of `tool` could start now: free slots, bounded by the tool's cap. */
  roomFor(tool: ToolId): number {
    const cap = this.options.maxConcurrent?.[tool];
    if (cap === undefined) return this.freeSlots;
    let running = 0;
    for (const task of this.running.values()) if (task.tool === tool) running += 1;
    return Math.max(0, Math.min(this.freeSlots, cap - running));
  }

  /**
   * Admits and starts a task. Throws TaskRejectedError synchronously when it cannot be admitted;
   * otherwise the returned promise resolves (never rejects) with how the task ended.
   */
  start(task: ExecutorTask): Promise<TaskOutcome> {
    const tool = this.options.tools.get(task.tool);
    if (this.isDraining) throw new TaskRejectedError("draining", "The worker is draining and takes no new tasks");
    if (!isSafeTaskId(task.task_id)) throw new TaskRejectedError("invalid_task_id", `Invalid task id: ${task.task_id}`);
    if (this.running.has(task.task_id)) {
      throw new TaskRejectedError("duplicate", `Task ${task.task_id} is already running here`);
    }
    if (this.running.size >= this.options.slots) {
      throw new TaskRejectedError("no_free_slot", `All ${this.options.slots} slots are busy`);
    }
    if (this.roomFor(task.tool) === 0) {
      const cap = this.options.maxConcurrent?.[task.tool];
      throw new TaskRejectedError(
        "tool_at_capacity",
        `${task.tool} already runs ${cap} task(s) here, its cap on this worker (--max-concurrent)`,
      );
    }
    if (!tool) throw new TaskRejectedError("tool_unavailable", `Tool ${task.tool} is not configured on this worker`);
    const badModel = modelNameProblem(task.model);
    if (badModel) throw new TaskRejectedError("invalid_model", badModel);
    if (isAgentTool(task.tool) && !this.options.allowUnsafeAgentModes?.includes(task.tool)) {
      const widening = wideningOptions(task.tool, task.options);
      if (widening.length > 0) throw new TaskRejectedError("unsafe_options", refusalMessage(task.tool, widening));
    }
    const code = task.repo ? this.options.code : undefined;
    if (task.repo) {
      if (!code) throw new TaskRejectedError("tool_unavailable", "This worker runs no code tasks");
      const admission = code.admit({ repo: task.repo, workspace: task.workspace, owner_user_id: task.owner_user_id });
      if (!admission.ok) {
        throw new TaskRejectedError(admission.permanent ? "invalid_repo" : "repo_refused", admission.message);
      }
    }

    const controller = new AbortController();
    const timeoutSeconds = task.timeout_seconds ?? this.options.defaultTimeoutSeconds;
    const signal =
      timeoutSeconds && timeoutSeconds > 0
        ? AbortSignal.any([controller.signal, AbortSignal.timeout(Math.ceil(timeoutSeconds * 1000))])
        : controller.signal;

    let outputBytes = 0;
    const runTool = (workdir: string) =>
      tool.run(
        {
          task_id: task.task_id,
          prompt: task.prompt,
          model: task.model ?? null,
          options: task.options,
          ...(task.resume_session_id ? { resume_session_id: task.resume_session_id } : {}),
          ...(task.resume_session_id && task.resume_turn ? { resume_turn: task.resume_turn } : {}),
        },
        {
          signal,
          workdir,
          onOutput: (chunk, stream = "stdout") => {
            outputBytes += Buffer.byteLength(chunk);
            this.emit("output", { task_id: task.task_id, chunk, stream });
            if (stream === "event") {
              this.emit("progress", {
                task_id: task.task_id,
                phase: "activity",
                output_bytes: outputBytes,
                message: chunk,
              });
            }
          },
        },
      );
    const run = async (): Promise<TaskOutcome> => {
      if (code && task.repo) {
        this.emit("progress", { task_id: task.task_id, phase: "started", output_bytes: 0 });
        const onLine = (line: string, stream: "stdout" | "stderr") =>
          this.emit("output", { task_id: task.task_id, chunk: `${line}\n`, stream });
        const codeTask = { ...task, attempt: task.attempt ?? 1, repo: task.repo };
        const result = await code.run(codeTask, signal, onLine, runTool);
        return { task_id: task.task_id, status: "completed", result };
      }
      const workdir = await this.options.workdirs.create(task.task_id, task.owner_user_id, {
        resume: Boolean(task.resume_session_id),
      });
      this.emit("progress", { task_id: task.task_id, phase: "started", output_bytes: 0 });
      const result = await runTool(workdir);
      return { task_id: task.task_id, status: "completed", result };
    };

    const done = run()
      .catch((error: unknown) => failureOutcome(task.task_id, error, signal))
      .then(async (outcome) => {
        // A task parked by a usage limit comes back to resume its session: its files stay for that attempt.
        const parked = outcome.status === "failed" && outcome.error.limit !== undefined;
        if (!code) await this.options.workdirs.release(task.task_id, { parked }).catch(() => {});
        else if (parked) this.parkedCode.add(task.task_id);
        this.running.delete(task.task_id);
        if (outcome.status === "completed") this.emit("complete", { task_id: task.task_id, result: outcome.result });
        else this.emit("fail", { task_id: task.task_id, status: outcome.status, error: outcome.error });
        return outcome;
      });
    this.running.set(task.task_id, { tool: task.tool, controller, done });
    return done;
  }

  /** The task's report is stored (the outbox): a code task's worktree may be removed after its retention. */
  async reported(taskId: string): Promise<void> {
    const parked = this.parkedCode.delete(taskId);
    await this.options.code?.reported(taskId, { parked }).catch(() => {});
  }

  /** Cancels a running task and resolves once it has ended (its process tree killed); null if unknown. */
  async cancel(taskId: string): Promise<TaskOutcome | null> {
    const task = this.running.get(taskId);
    if (!task) return null;
    task.controller.abort("cancelled");
    return task.done;
  }

  /**
   * Stops admitting tasks and waits for the running ones to finish. With a deadline, hands back when it
   * passes, reporting which are still running (they are not stopped).
   */
  async drain(options: { deadlineMs?: number } = {}): Promise<DrainReport> {
    this.isDraining = true;
    const tasks = [...this.running];
    const finished: string[] = [];
    const all = Promise.all(tasks.map(([id, task]) => task.done.then(() => finished.push(id))));
    if (options.deadlineMs === undefined) {
      await all;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, options.deadlineMs);
      });
      await Promise.race([all, deadline]);
      clearTimeout(timer);
    }
    const stillRunning = tasks.map(([id]) => id).filter((id) => this.running.has(id));
    return { finished: [...finished], still_running: stillRunning };
  }

  /** Takes new tasks again after a drain. */
  resume(): void {
    this.isDraining = false;
  }
}
