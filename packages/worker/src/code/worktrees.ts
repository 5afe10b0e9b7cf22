// Where code tasks' worktrees live, and how long they stay: <root>/<owner>/<root task id>, one per review
// chain, so a follow-up on this worker runs in the very directory (and agent session) of the chain's first
// task. A worktree is kept `retentionSeconds` after its task ended (default a week), then removed with
// `git worktree remove`; its branch stays in the clone, so no work is lost on the worker.
//   pin(task)      → in use: never removed (from the task's start until its report is in the outbox)
//   reported(task) → unpinned; with retention 0 removed at once, else its mtime says when it ended
//   reported(task, parked) → a task parked by a usage limit comes back to resume its session here: kept a week
//   sweep()        → removes unpinned worktrees past their retention (at open, then every minute at most)
import { lstat, mkdir, readdir, rmdir, utimes } from "node:fs/promises";
import { join } from "node:path";
import { isSafeTaskId } from "../executor/workdir.ts";
import type { GitContext } from "./git.ts";
import { removeWorktree } from "./worktree.ts";

export const DEFAULT_WORKTREE_RETENTION_SECONDS = 7 * 24 * 3600;
/** How long a parked task's worktree waits for its resume: the longest a limit parks a task. */
const parkedKeepMs = 7 * 24 * 3600 * 1000;

export interface WorktreesOptions {
  /** A private directory apart from the state dir (the worker puts it beside its workdirs' root). */
  root: string;
  retentionSeconds?: number;
  /** How git runs to remove a worktree: no credentials needed. */
  git: GitContext;
}

export class Worktrees {
  private readonly pinned = new Map<string, string>();
  /** Worktrees of tasks parked by a limit, and until when they wait for the resume (this process only). */
  private readonly parked = new Map<string, number>();
  private readonly retentionMs: number;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly options: WorktreesOptions) {
    this.retentionMs = (options.retentionSeconds ?? DEFAULT_WORKTREE_RETENTION_SECONDS) * 1000;
  }

  static async open(options: WorktreesOptions): Promise<Worktrees> {
    const retention = options.retentionSeconds ?? DEFAULT_WORKTREE_RETENTION_SECONDS;
    if (!(retention >= 0)) throw new Error("--worktree-retention must be zero or a positive number of seconds");
    await mkdir(options.root, { recursive: true, mode: 0o700 });
    const worktrees = new Worktrees(options);
    await worktrees.sweep();
    const every = Math.min(Math.max(retention * 1000, 1_000), 60_000);
    worktrees.timer = setInterval(() => void worktrees.sweep().catch(() => {}), every);
    worktrees.timer.unref();
    return worktrees;
  }

  get root(): string {
    return this.options.root;
  }

  /** The directory of a review chain's worktree. */
  pathFor(ownerUserId: string | null | undefined, rootTaskId: string): string {
    if (!isSafeTaskId(rootTaskId)) throw new Error(`invalid task id: ${rootTaskId}`);
    const owner = ownerUserId && isSafeTaskId(ownerUserId) ? ownerUserId : "_unknown";
    return join(this.options.root, owner, rootTaskId);
  }

  /** The task runs in `dir`: no sweep removes it until its report is stored. */
  async pin(taskId: string, dir: string): Promise<void> {
    this.pinned.set(taskId, dir);
    await mkdir(join(dir, ".."), { recursive: true, mode: 0o700 });
  }

  /** The task's report is in the outbox: its worktree may go once its retention has passed. */
  async reported(taskId: string, options: { parked?: boolean } = {}): Promise<void> {
    const dir = this.pinned.get(taskId);
    if (!dir) return;
    this.pinned.delete(taskId);
    if (options.parked) this.parked.set(dir, Date.now() + parkedKeepMs);
    else this.parked.delete(dir);
    if ([...this.pinned.values()].includes(dir)) return;
    if (this.retentionMs === 0 && !options.parked) {
      await this.serially(() => removeWorktree(this.options.git, dir));
      return;
    }
    const now = new Date();
    await utimes(dir, now, now).catch(() => {});
  }

  sweep(): Promise<void> {
    return this.serially(async () => {
      const now = Date.now();
      for (const [dir, until] of this.parked) if (until <= now) this.parked.delete(dir);
      const inUse = new Set([...this.pinned.values(), ...this.parked.keys()]);
      for (const owner of await readdir(this.options.root).catch(() => [] as string[])) {
        const ownerDir = join(this.options.root, owner);
        for (const name of await readdir(ownerDir).catch(() => [] as string[])) {
          const dir = join(ownerDir, name);
          if (inUse.has(dir)) continue;
          const info = await lstat(dir).catch(() => null);
          if (info && now - info.mtimeMs < this.retentionMs) continue;
          await removeWorktree(this.options.git, dir).catch(() => {});
        }
        await rmdir(ownerDir).catch(() => {});
      }
    });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
}
