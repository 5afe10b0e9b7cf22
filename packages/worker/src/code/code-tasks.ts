// The executor's view of code tasks: whether this worker may run one (policy.ts), and running it in its
// worktree (code-task.ts) with git set up for the task's owner, then keeping the worktree (worktrees.ts).
import type { TaskRepo, TaskResult, TaskWorkspace, ToolId } from "@garageswarm/protocol";
import type { CloneCache } from "./clone-cache.ts";
import { runCodeTask } from "./code-task.ts";
import { gitEnvironment } from "./git.ts";
import { repoProblem, sharedWorkerRefusal } from "./policy.ts";
import type { Worktrees } from "./worktrees.ts";

export interface CodeTasksOptions {
  cache: CloneCache;
  /** Where worktrees live; opened when the worker starts, before any task. */
  worktrees(): Worktrees;
  /** The worker's own environment: git reads the owner's ssh agent and config from it (owner's tasks only). */
  sourceEnv: NodeJS.ProcessEnv;
  /** The allow-listed environment tools get (tools/environment.ts): for git and for setup and check. */
  commandEnv: NodeJS.ProcessEnv;
  /** The worker's owner, learned when it registered; null before. */
  ownerUserId(): string | null;
  /** The cumulative patch of the task a follow-up continues, from the server (the attempt's token proves it). */
  fetchStoredPatch(task: { task_id: string; attempt_token?: string }, workspace: TaskWorkspace): Promise<string>;
}

export interface CodeTaskRun {
  task_id: string;
  attempt: number;
  attempt_token?: string;
  tool: ToolId;
  prompt: string;
  owner_user_id?: string | null;
  repo: TaskRepo;
  workspace?: TaskWorkspace | null;
  resume_session_id?: string;
}

export type Admission = { ok: true } | { ok: false; permanent: boolean; message: string };

export class CodeTasks {
  constructor(private readonly options: CodeTasksOptions) {}

  /** A task of another user than the worker's owner (or of nobody known) runs without the owner's powers. */
  isShared(ownerUserId: string | null | undefined): boolean {
    const owner = this.options.ownerUserId();
    return !ownerUserId || !owner || ownerUserId !== owner;
  }

  /** Checked before anything runs: a hostile URL or ref, or what a shared worker does not do. */
  admit(task: Pick<CodeTaskRun, "repo" | "workspace" | "owner_user_id">): Admission {
    const problem = repoProblem(task.repo, task.workspace);
    if (problem) return { ok: false, permanent: true, message: problem };
    if (this.isShared(task.owner_user_id)) {
      const refusal = sharedWorkerRefusal(task.repo);
      if (refusal) return { ok: false, permanent: false, message: refusal };
    }
    return { ok: true };
  }

  async run(
    task: CodeTaskRun,
    signal: AbortSignal,
    onLine: (line: string, stream: "stdout" | "stderr") => void,
    runAgent: (workdir: string) => Promise<TaskResult>,
  ): Promise<TaskResult> {
    const worktrees = this.options.worktrees();
    const untrusted = this.isShared(task.owner_user_id);
    const dir = worktrees.pathFor(task.owner_user_id, task.workspace?.root_task_id ?? task.task_id);
    await worktrees.pin(task.task_id, dir);
    return runCodeTask(
      task,
      {
        cache: this.options.cache,
        git: { env: gitEnvironment(this.options.commandEnv, this.options.sourceEnv, untrusted), untrusted, signal },
        commandEnv: this.options.commandEnv,
        dir,
        clonePartition: untrusted ? `user:${task.owner_user_id ?? "unknown"}` : undefined,
        signal,
        fetchStoredPatch: (workspace) => this.options.fetchStoredPatch(task, workspace),
        onLine,
      },
      runAgent,
    );
  }

  /** The task's report is stored: its worktree may be removed once its retention has passed. */
  reported(taskId: string, options: { parked?: boolean } = {}): Promise<void> {
    return this.options.worktrees().reported(taskId, options);
  }
}
