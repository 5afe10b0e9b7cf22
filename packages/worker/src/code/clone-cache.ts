// One bare clone per repository URL, under the worker's state dir: <stateDir>/repos/<sha256(url) 16 hex>.git.
// A task fetches into it (never clones again), then makes its worktree from it; the branches tasks make stay
// in it, so a follow-up on this worker finds its work even after the worktree was removed.
// Remote branches land in refs/remotes/origin/* (apart from the tasks' own refs/heads/garageswarm/*), tags in
// refs/tags/*. Work on one clone (fetch, worktree add/remove) runs one at a time.
// Tasks of users other than the worker's owner get clones of their own (a `partition` per user): the owner's
// clone holds the owner's task branches, which another user's agent must not read with `git log --all`.
import { createHash } from "node:crypto";
import { access, chmod, mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { gitRefProblem } from "@garageswarm/protocol";
import { type GitContext, GitError, git, gitSucceeds } from "./git.ts";

const FETCH_TIMEOUT_MS = 30 * 60_000;

export function clonePath(root: string, url: string, partition?: string): string {
  const key = partition ? `${partition}\n${url}` : url;
  return join(root, `${createHash("sha256").update(key).digest("hex").slice(0, 16)}.git`);
}

/** The repository could not be reached or read: git's stderr says why; another attempt may succeed. */
export class RepoUnreachableError extends Error {
  constructor(
    readonly url: string,
    readonly gitError: GitError,
  ) {
    super(`cannot fetch ${url}: ${gitError.stderr.trim() || gitError.message}`);
    this.name = "RepoUnreachableError";
  }
}

/** The ref is on no branch, tag or commit of the repository: no attempt will find it. */
export class UnknownRefError extends Error {
  constructor(
    readonly ref: string,
    readonly url: string,
  ) {
    super(`ref ${ref} not found in ${url}`);
    this.name = "UnknownRefError";
  }
}

export interface ResolvedRef {
  sha: string;
  /** The local ref that follows the base (refs/remotes/origin/<branch>, refs/tags/<tag>), null for a SHA. */
  trackingRef: string | null;
  /** The branch on the remote, to fetch it again cheaply (null for a tag or a SHA). */
  remoteBranch: string | null;
}

export class CloneCache {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    /** <stateDir>/repos */
    readonly root: string,
  ) {}

  pathOf(url: string, partition?: string): string {
    return clonePath(this.root, url, partition);
  }

  /** Runs `work` alone on this repository's clone: no other fetch or worktree change meanwhile. */
  withClone<T>(url: string, work: (clone: string) => Promise<T>, partition?: string): Promise<T> {
    const clone = this.pathOf(url, partition);
    const previous = this.locks.get(clone) ?? Promise.resolve();
    const next = previous.then(
      () => work(clone),
      () => work(clone),
    );
    const settled = next.catch(() => {});
    this.locks.set(clone, settled);
    void settled.then(() => {
      if (this.locks.get(clone) === settled) this.locks.delete(clone);
    });
    return next;
  }

  /** Makes the bare clone if there is none, and fetches every branch and tag of the remote into it. */
  async fetch(context: GitContext, url: string, clone: string): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    await chmod(this.root, 0o700);
    const exists = await access(join(clone, "HEAD")).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await rm(clone, { recursive: true, force: true });
      await git(context, ["init", "--quiet", "--bare", "--", clone], { cwd: this.root });
      await chmod(clone, 0o700);
      await git(context, ["remote", "add", "--", "origin", url], { cwd: clone });
    }
    try {
      await git(
        context,
        [
          "fetch",
          "--quiet",
          "--prune",
          "--no-auto-gc",
          "origin",
          "+refs/heads/*:refs/remotes/origin/*",
          "+refs/tags/*:refs/tags/*",
        ],
        { cwd: clone, timeoutMs: FETCH_TIMEOUT_MS },
      );
    } catch (error) {
      if (error instanceof GitError) throw new RepoUnreachableError(url, error);
      throw error;
    }
  }

  /** Fetches one branch again (to see what the base gained while the task ran); false if it failed. */
  async refetchBranch(context: GitContext, clone: string, branch: string): Promise<boolean> {
    try {
      await git(
        context,
        ["fetch", "--quiet", "--no-auto-gc", "origin", `+refs/heads/${branch}:refs/remotes/origin/${branch}`],
        {
          cwd: clone,
          timeoutMs: FETCH_TIMEOUT_MS,
        },
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The commit `ref` names in the fetched clone: a branch, then a tag, then a commit SHA (fetched by id if
   * the remote allows it); no ref: the remote's default branch.
   */
  async resolve(context: GitContext, url: string, clone: string, ref: string | undefined): Promise<ResolvedRef> {
    if (ref === undefined) {
      const branch = await defaultBranch(context, clone);
      if (!branch) throw new UnknownRefError("HEAD (the default branch)", url);
      const sha = await commitOf(context, clone, `refs/remotes/origin/${branch}`);
      if (!sha) throw new UnknownRefError(branch, url);
      return { sha, trackingRef: `refs/remotes/origin/${branch}`, remoteBranch: branch };
    }
    const branchSha = await commitOf(context, clone, `refs/remotes/origin/${ref}`);
    if (branchSha) return { sha: branchSha, trackingRef: `refs/remotes/origin/${ref}`, remoteBranch: ref };
    const tagSha = await commitOf(context, clone, `refs/tags/${ref}`);
    if (tagSha) return { sha: tagSha, trackingRef: `refs/tags/${ref}`, remoteBranch: null };
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(ref)) {
      let sha = await commitOf(context, clone, ref);
      if (!sha) {
        // A commit on no branch or tag: servers that allow fetching by id give it.
        await git(context, ["fetch", "--quiet", "--no-auto-gc", "origin", ref], {
          cwd: clone,
          timeoutMs: FETCH_TIMEOUT_MS,
        }).catch(() => {});
        sha = await commitOf(context, clone, ref);
      }
      if (sha) return { sha, trackingRef: null, remoteBranch: null };
    }
    throw new UnknownRefError(ref, url);
  }
}

/** The full SHA of the commit `rev` names, or null. */
export async function commitOf(context: GitContext, cwd: string, rev: string): Promise<string | null> {
  try {
    const out = await git(context, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], {
      cwd,
    });
    return out.trim() || null;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return null;
    throw error;
  }
}

/** The remote's default branch: what its HEAD points at (ls-remote --symref), else main or master. */
async function defaultBranch(context: GitContext, clone: string): Promise<string | null> {
  try {
    const out = await git(context, ["ls-remote", "--symref", "origin", "HEAD"], { cwd: clone });
    const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(out);
    // The remote names it: it goes into refspecs and ref names, so it must be a plain branch name.
    if (match?.[1] && gitRefProblem(match[1]) === null) return match[1];
  } catch {
    // The fetch just worked: a remote that hides its HEAD falls back to the usual names.
  }
  for (const name of ["main", "master"]) {
    if (
      await gitSucceeds(context, ["show-ref", "--verify", "--quiet", `refs/remotes/origin/${name}`], { cwd: clone })
    ) {
      return name;
    }
  }
  return null;
}
