// Runs a code task: the agent works in a worktree of the repository, and the result carries the change.
//   prepare  → the clone fetched, the base resolved, the worktree made (fresh branch, or the follow-up's)
//   setup    → repo.setup in the worktree; a failing setup fails the task (not retryable)
//   agent    → the tool runs in the worktree
//   commit   → what the agent left uncommitted becomes a commit on the task's branch
//   check    → repo.check; its exit code is reported, a failing check does not fail the task
//   artifact → base/head, files, counts, ahead/behind and the patch; pushed when repo.push asks
// Failures are the tool errors of tools/errors.ts, so outcome.ts reports them with the right retryability.
import type { CommandResult, TaskRepo, TaskResult, TaskWorkspace, ToolId } from "@garageswarm/protocol";
import { ToolError, ToolInputError, ToolRunError } from "../tools/errors.ts";
import { diffFiles, makePatch, PatchNotTextError, PatchTooLargeError } from "./artifact.ts";
import { type CloneCache, commitOf, RepoUnreachableError, type ResolvedRef, UnknownRefError } from "./clone-cache.ts";
import { runRepoCommand } from "./command.ts";
import { type GitContext, GitError, git } from "./git.ts";
import {
  addWorktree,
  applyStoredPatch,
  commitLeftovers,
  commitMessage,
  headOf,
  removeWorktree,
  resetWorktree,
  taskBranchName,
} from "./worktree.ts";

export interface CodeTask {
  task_id: string;
  attempt: number;
  tool: ToolId;
  prompt: string;
  repo: TaskRepo;
  workspace?: TaskWorkspace | null;
  /** The attempt resumes a parked one's agent session: it goes on in that attempt's worktree. */
  resume_session_id?: string;
}

export interface CodeTaskContext {
  cache: CloneCache;
  /** How git runs for this task (gitEnvironment, the trust of its owner, the task's signal). */
  git: GitContext;
  /** The environment setup and check commands get: the tools' allow-list. */
  commandEnv: NodeJS.ProcessEnv;
  /** The directory the worktree is (or already was, for a follow-up on this worker) in. */
  dir: string;
  /** Whose clone to use: undefined for the owner's tasks, one per user for other users' (clone-cache.ts). */
  clonePartition?: string;
  signal: AbortSignal;
  /** The cumulative patch of the task a follow-up continues, from the server. */
  fetchStoredPatch(workspace: TaskWorkspace): Promise<string>;
  onLine?(line: string, stream: "stdout" | "stderr"): void;
}

/** CodeResult.files takes at most this many entries. */
const MAX_FILES = 20_000;

interface Prepared {
  base: string;
  branch: string;
  tracking: ResolvedRef | null;
}

/** Runs `runAgent` in the task's worktree and returns its result with `code`, the change it made. */
export async function runCodeTask(
  task: CodeTask,
  context: CodeTaskContext,
  runAgent: (workdir: string) => Promise<TaskResult>,
): Promise<TaskResult> {
  const { repo } = task;
  const prepared = await context.cache
    .withClone(repo.url, (clone) => prepare(task, context, clone), context.clonePartition)
    .catch((error: unknown) => {
      throw asToolError(task, error);
    });

  let setup: CommandResult | null = null;
  if (repo.setup) {
    setup = await runRepoCommand({
      command: repo.setup,
      cwd: context.dir,
      env: context.commandEnv,
      signal: context.signal,
      onLine: context.onLine,
    });
    if (setup.exit_code !== 0) {
      throw new ToolInputError(
        `the repository's setup command failed with exit code ${setup.exit_code}`,
        task.tool,
        setup.output.slice(-4_000),
        setup.exit_code,
        { setup },
      );
    }
  }

  const result = await runAgent(context.dir);
  try {
    return await recordChange(task, context, prepared, setup, result);
  } catch (error) {
    // The agent's work is on disk (and its session resumable): say what broke, keep the session id.
    if (error instanceof GitError) {
      throw new ToolRunError(
        `recording the agent's change failed: ${error.message}`,
        task.tool,
        result.output.slice(-4_000),
        null,
        {
          ...(typeof result.detail.session_id === "string" ? { session_id: result.detail.session_id } : {}),
        },
      );
    }
    throw error;
  }
}

/** After the agent: its leftovers committed, the check run, and the change read off the branch. */
async function recordChange(
  task: CodeTask,
  context: CodeTaskContext,
  prepared: Prepared,
  setup: CommandResult | null,
  result: TaskResult,
): Promise<TaskResult> {
  const { repo } = task;
  const identity = { tool: task.tool };
  await commitLeftovers(context.git, context.dir, prepared.branch, commitMessage(task.prompt, task.task_id), identity);

  const check = repo.check
    ? await runRepoCommand({
        command: repo.check,
        cwd: context.dir,
        env: context.commandEnv,
        signal: context.signal,
        onLine: context.onLine,
      })
    : null;
  // What the check changed or left (build output) is not the agent's: a follow-up here must not commit it.
  // Ignored files (dependencies the setup installed) stay for that follow-up.
  if (check) await restoreHead(context.git, context.dir);
  const head = await headOf(context.git, context.dir);
  if (!head) throw new ToolRunError("the task's worktree has no HEAD after the agent ran", task.tool);

  const allFiles = await diffFiles(context.git, context.dir, prepared.base, head);
  // The wire takes so many entries; the counts and the patch still cover every file.
  const files = allFiles.slice(0, MAX_FILES);
  let patch: Awaited<ReturnType<typeof makePatch>>;
  try {
    patch = await makePatch(context.git, context.dir, prepared.base, head, prepared.branch);
  } catch (error) {
    if (error instanceof PatchTooLargeError || error instanceof PatchNotTextError) {
      throw new ToolInputError(error.message, task.tool, "", null, { branch: prepared.branch, head_sha: head });
    }
    throw error;
  }
  const ahead = Number(
    (await git(context.git, ["rev-list", "--count", `${prepared.base}..${head}`], { cwd: context.dir })).trim(),
  );
  const behind = await behindBy(context, repo.url, prepared);

  let pushed = false;
  let pushError: string | undefined;
  if (repo.push) {
    try {
      await git(
        context.git,
        ["push", "--quiet", "--porcelain", "origin", `refs/heads/${prepared.branch}:refs/heads/${prepared.branch}`],
        {
          cwd: context.dir,
          timeoutMs: 10 * 60_000,
        },
      );
      pushed = true;
    } catch (error) {
      if (context.signal.aborted) throw error;
      pushError = error instanceof GitError ? error.stderr.trim() || error.message : (error as Error).message;
    }
  }

  return {
    ...result,
    detail: {
      ...result.detail,
      ...(pushError ? { push_error: pushError.slice(0, 2_000) } : {}),
      ...(allFiles.length > MAX_FILES ? { files_total: allFiles.length } : {}),
    },
    code: {
      repo_url: repo.url,
      base_ref: repo.ref ?? null,
      base_sha: prepared.base,
      head_sha: head,
      branch: prepared.branch,
      files,
      additions: allFiles.reduce((sum, file) => sum + file.additions, 0),
      deletions: allFiles.reduce((sum, file) => sum + file.deletions, 0),
      patch_bytes: patch.bytes,
      patch_sha256: patch.sha256,
      patch: patch.text,
      setup,
      check,
      pushed,
      behind,
      ahead,
    },
  };
}

/** Fetches, resolves the base and makes the worktree; runs alone on the clone. */
async function prepare(task: CodeTask, context: CodeTaskContext, clone: string): Promise<Prepared> {
  const { cache, dir } = context;
  const ctx = context.git;
  await cache.fetch(ctx, task.repo.url, clone);
  const workspace = task.workspace;
  if (!workspace && task.resume_session_id) {
    const resumed = await parkedWorktree(task, context, clone);
    if (resumed) return resumed;
  }
  if (!workspace) {
    const tracking = await cache.resolve(ctx, task.repo.url, clone, task.repo.ref);
    const branch = taskBranchName(task.task_id, task.attempt);
    await removeWorktree(ctx, dir);
    await addWorktree(ctx, clone, dir, branch, tracking.sha);
    return { base: tracking.sha, branch, tracking };
  }

  // A follow-up: the base stays the chain's; the branch goes on from head_sha.
  const tracking = await cache.resolve(ctx, task.repo.url, clone, task.repo.ref).catch(() => null);
  const prepared = { base: workspace.base_sha, branch: workspace.branch, tracking };
  const keptHead = await headOf(ctx, dir);
  if (keptHead === workspace.head_sha) return prepared;
  const haveHead = (await commitOf(ctx, clone, workspace.head_sha)) !== null;
  if (keptHead && haveHead) {
    // The chain's worktree is here but elsewhere (an agent's stray checkout): back to the revision reviewed.
    await resetWorktree(ctx, dir, workspace.branch, workspace.head_sha);
    return prepared;
  }
  await removeWorktree(ctx, dir);
  if (haveHead) {
    // The branch's commits are in the clone (made here before, or fetched from the remote when pushed).
    await addWorktree(ctx, clone, dir, workspace.branch, workspace.head_sha);
    return prepared;
  }
  if ((await commitOf(ctx, clone, workspace.base_sha)) === null) {
    throw new UnknownRefError(workspace.base_sha, task.repo.url);
  }
  const patch = await context.fetchStoredPatch(workspace);
  await addWorktree(ctx, clone, dir, workspace.branch, workspace.base_sha);
  await applyStoredPatch(
    ctx,
    dir,
    patch,
    ["-m", `The change so far, from the stored patch of task ${workspace.from_task_id}`],
    { tool: task.tool },
  );
  return prepared;
}

/**
 * The worktree a parked attempt of this task left (a usage limit stopped its agent): the resumed session
 * goes on there, on that attempt's branch, from the same base. Null when there is none to go on from.
 */
async function parkedWorktree(task: CodeTask, context: CodeTaskContext, clone: string): Promise<Prepared | null> {
  const ctx = context.git;
  const head = await headOf(ctx, context.dir);
  if (!head) return null;
  const branch = (
    await git(ctx, ["symbolic-ref", "--quiet", "--short", "HEAD"], { cwd: context.dir }).catch(() => "")
  ).trim();
  if (!branch.startsWith(`garageswarm/${task.task_id.slice(0, 8)}-`)) return null;
  const tracking = await context.cache.resolve(ctx, task.repo.url, clone, task.repo.ref);
  // The base the parked attempt started from: where its branch left the base ref (which may have moved on).
  const base = (await git(ctx, ["merge-base", head, tracking.sha], { cwd: clone }).catch(() => "")).trim();
  if (!base) return null;
  return { base, branch, tracking };
}

/** Back to the branch's last commit: tracked files restored, untracked ones removed, ignored ones kept. */
async function restoreHead(context: GitContext, dir: string): Promise<void> {
  await git(context, ["reset", "--quiet", "--hard", "HEAD"], { cwd: dir });
  await git(context, ["clean", "--quiet", "-fd"], { cwd: dir });
}

/** Commits the base ref gained since the base: fetched again for a branch; null for a SHA. */
async function behindBy(context: CodeTaskContext, url: string, prepared: Prepared): Promise<number | null> {
  const tracking = prepared.tracking;
  if (!tracking?.trackingRef) return null;
  return context.cache
    .withClone(
      url,
      async (clone) => {
        if (tracking.remoteBranch) await context.cache.refetchBranch(context.git, clone, tracking.remoteBranch);
        const out = await git(context.git, ["rev-list", "--count", `${prepared.base}..${tracking.trackingRef}`], {
          cwd: clone,
        });
        return Number(out.trim());
      },
      context.clonePartition,
    )
    .catch(() => null);
}

/** What a failure before the agent ran means for the task: retry (unreachable) or not (unknown ref). */
function asToolError(task: CodeTask, error: unknown): unknown {
  if (error instanceof ToolError) return error;
  if (error instanceof UnknownRefError) return new ToolInputError(error.message, task.tool);
  if (error instanceof RepoUnreachableError)
    return new ToolRunError(error.message, task.tool, "", null, { repo_url: error.url });
  // A git failure while aborted never gets here as a GitError (git.ts rejects with the abort's reason).
  if (error instanceof GitError) {
    return new ToolRunError(`preparing the worktree of ${task.repo.url} failed: ${error.message}`, task.tool);
  }
  return error;
}
