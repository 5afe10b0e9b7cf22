// A task's worktree of the clone: a fresh one on a new branch from the base, or, for a review's follow-up,
// the branch it continues (from the kept worktree, the clone, or the stored patch). After the agent, what it
// left uncommitted becomes one commit of the task's branch.
import { readFile, rm } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { commitOf } from "./clone-cache.ts";
import { type GitContext, git, gitSucceeds } from "./git.ts";

/** The branch a task's attempt works on: garageswarm/<first 8 of the task id>-<attempt>. */
export function taskBranchName(taskId: string, attempt: number): string {
  return `garageswarm/${taskId.slice(0, 8)}-${attempt}`;
}

/** Makes `dir` (empty or absent) a worktree on a new `branch` at `base`; a leftover of that name is replaced. */
export async function addWorktree(
  context: GitContext,
  clone: string,
  dir: string,
  branch: string,
  start: string,
): Promise<void> {
  // A worktree removed by hand (or with its workdir) still holds its branch until pruned.
  await git(context, ["worktree", "prune"], { cwd: clone });
  await git(context, ["worktree", "add", "--quiet", "-B", branch, "--", dir, start], { cwd: clone });
}

/** The bare clone a worktree belongs to (its .git file names <clone>/worktrees/<name>), or null. */
export async function cloneOfWorktree(dir: string): Promise<string | null> {
  const dotGit = await readFile(join(dir, ".git"), "utf8").catch(() => null);
  const gitdir = dotGit ? /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim() : undefined;
  if (!gitdir) return null;
  const path = isAbsolute(gitdir) ? gitdir : resolve(dir, gitdir);
  return dirname(dirname(path));
}

/** Removes a worktree (the branch stays in the clone); a directory that is no worktree is just deleted. */
export async function removeWorktree(context: GitContext, dir: string): Promise<void> {
  const clone = await cloneOfWorktree(dir);
  if (clone) {
    await git(context, ["worktree", "remove", "--force", "--force", "--", dir], { cwd: clone }).catch(() => {});
  }
  await rm(dir, { recursive: true, force: true });
  if (clone) await git(context, ["worktree", "prune"], { cwd: clone }).catch(() => {});
}

/** The commit the worktree's HEAD is at, or null when it is no usable worktree. */
export async function headOf(context: GitContext, dir: string): Promise<string | null> {
  return commitOf(context, dir, "HEAD").catch(() => null);
}

/** Puts the worktree on `branch` at `sha`, discarding whatever else is there (it was committed before). */
export async function resetWorktree(context: GitContext, dir: string, branch: string, sha: string): Promise<void> {
  await git(context, ["checkout", "--quiet", "--force", "-B", branch, sha, "--"], { cwd: dir });
  await git(context, ["clean", "--quiet", "-ffd"], { cwd: dir });
}

export interface AgentIdentity {
  /** The tool that made the change: its commits are by "<tool> agent". */
  tool: string;
}

/** The environment a commit by the agent is made with. */
export function agentCommitEnv(context: GitContext, identity: AgentIdentity): GitContext {
  const name = `${identity.tool} agent`;
  const email = "agent@garageswarm.invalid";
  return {
    ...context,
    env: {
      ...context.env,
      GIT_AUTHOR_NAME: name,
      GIT_AUTHOR_EMAIL: email,
      GIT_COMMITTER_NAME: name,
      GIT_COMMITTER_EMAIL: email,
    },
  };
}

/** The commit message of a task's leftovers: its prompt's first line, and a trailer naming the task. */
export function commitMessage(prompt: string, taskId: string): string[] {
  const firstLine = prompt.split("\n").find((line) => line.trim() !== "") ?? "";
  const subject = firstLine.trim().slice(0, 200) || `GarageSwarm task ${taskId}`;
  return ["-m", subject, "-m", `GarageSwarm-Task: ${taskId}`];
}

/**
 * Keeps the worktree on the task's branch (an agent may have checked out another, or detached HEAD), and
 * commits what the agent left uncommitted. Returns whether a commit was made.
 */
export async function commitLeftovers(
  context: GitContext,
  dir: string,
  branch: string,
  message: string[],
  identity: AgentIdentity,
): Promise<boolean> {
  const current = await git(context, ["symbolic-ref", "--quiet", "HEAD"], { cwd: dir }).catch(() => "");
  if (current.trim() !== `refs/heads/${branch}`) {
    await git(context, ["checkout", "--quiet", "-B", branch], { cwd: dir });
  }
  await git(context, ["add", "--all", "--", "."], { cwd: dir });
  const unchanged = await gitSucceeds(context, ["diff", "--cached", "--quiet"], { cwd: dir });
  if (unchanged) return false;
  await git(agentCommitEnv(context, identity), ["commit", "--quiet", "--no-verify", ...message], { cwd: dir });
  return true;
}

/** Applies a stored patch to the worktree's index and files, and commits it. */
export async function applyStoredPatch(
  context: GitContext,
  dir: string,
  patch: string,
  message: string[],
  identity: AgentIdentity,
): Promise<void> {
  if (patch.trim() === "") return;
  await git(context, ["apply", "--index", "--binary", "--whitespace=nowarn", "-"], { cwd: dir, input: patch });
  await git(agentCommitEnv(context, identity), ["commit", "--quiet", "--no-verify", "--allow-empty", ...message], {
    cwd: dir,
  });
}
