// Task working directories: one per task, 0700, in a per-owner root, outside the worker's state dir and
// the server's data dir, so `../..` from a task leads to no key, outbox or database:
//   <base>/<worker key>/<owner user id>/<task id>
//   base: --work-dir, or <os tmpdir>/garageswarm-<uid>; worker key: a hash of the state dir, so two workers
//   on one machine never sweep each other's directories.
// A directory is removed when its task ends, or `retentionSeconds` later; a sweep (at start and while
// running) removes what a previous run left past its retention. Nothing reuses a task's directory (a later
// node of a run is another task with its own), so the default retention is 0 — except a task parked by a
// usage limit: its directory is kept (in this process's memory, for at most a week) for the attempt that
// resumes the agent's session, which finds the files the agent left.
// All tasks run as the worker's OS user: permissions keep other OS users out, not a later task of this
// worker; what keeps one owner's files from another's later task is removing them.
import { createHash } from "node:crypto";
import { chmod, lstat, mkdir, readdir, realpath, rm, rmdir, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";

// Task and user ids come from the server (UUIDs); anything else must not be able to escape the root.
const safeId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isSafeTaskId(taskId: string): boolean {
  return safeId.test(taskId) && !taskId.includes("..");
}

/** Where tasks' directories go and how long they are kept. */
export interface WorkdirOptions {
  /** The worker's state dir: it names this worker's root, and no workdir may be inside it. */
  stateDir: string;
  /** The directory holding every worker's roots (--work-dir); default <os tmpdir>/garageswarm-<uid>. */
  baseDir?: string;
  /** Seconds a task's directory is kept after the task ended (default 0: removed at once). */
  retentionSeconds?: number;
  /** More directories no workdir may be inside, nor contain (the server's data dir under `up`). */
  protectedDirs?: string[];
}

/** What the executor needs: a fresh directory for a task, and to give it back when the task ended. */
export interface WorkdirStore {
  /** `resume`: the attempt continues a parked one's session, and finds its files when they were kept. */
  create(taskId: string, ownerUserId?: string | null, options?: { resume?: boolean }): Promise<string>;
  /** `parked`: the task will come back (a usage limit) and resume here: keep the directory. */
  release(taskId: string, options?: { parked?: boolean }): Promise<void>;
}

/** How long a parked task's directory is kept for its resume: the longest a limit parks a task. */
const parkedKeepMs = 7 * 24 * 3600 * 1000;

const isWindows = process.platform === "win32";

export function defaultWorkBase(): string {
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  return join(tmpdir(), `garageswarm-${uid}`);
}

export class Workdirs implements WorkdirStore {
  private readonly inUse = new Map<string, string>();
  /** Directories of tasks parked by a limit, and until when they are kept for the resume. */
  private readonly parked = new Map<string, number>();
  private readonly retentionMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** Creates and sweeps one after another, so a sweep never removes an owner root a create is filling. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    /** This worker's root: <base>/<worker key>. */
    readonly root: string,
    retentionSeconds: number,
  ) {
    this.retentionMs = retentionSeconds * 1000;
  }

  /** Makes (or checks) the root, sweeps what earlier runs left, and sweeps again while running. */
  static async open(options: WorkdirOptions): Promise<Workdirs> {
    const retention = options.retentionSeconds ?? 0;
    if (!(retention >= 0)) throw new Error("--workdir-retention must be zero or a positive number of seconds");
    const stateDir = resolve(options.stateDir);
    const base = resolve(options.baseDir ?? defaultWorkBase());
    await makePrivateDir(base, options.baseDir === undefined);
    const key = createHash("sha256").update(stateDir).digest("hex").slice(0, 16);
    const root = join(base, key);
    await makePrivateDir(root, true);
    for (const dir of [stateDir, ...(options.protectedDirs ?? [])]) await assertApart(base, dir);

    const workdirs = new Workdirs(await realpath(root), retention);
    await workdirs.sweep();
    // Workdirs of the old layout (<stateDir>/tasks/<id>) were never removed: they go the same way (only
    // task-id names, in case the state dir was pointed somewhere that holds a folder called tasks).
    await sweepTaskDirs(join(stateDir, "tasks"), workdirs.retentionMs, new Set(), true, uuid).catch(() => {});
    if (retention > 0) {
      const every = Math.min(Math.max(retention * 1000, 1_000), 60_000);
      workdirs.timer = setInterval(() => void workdirs.sweep().catch(() => {}), every);
      workdirs.timer.unref();
    }
    return workdirs;
  }

  create(taskId: string, ownerUserId?: string | null, options: { resume?: boolean } = {}): Promise<string> {
    if (!isSafeTaskId(taskId)) return Promise.reject(new Error(`invalid task id: ${taskId}`));
    const owner = ownerUserId && isSafeTaskId(ownerUserId) ? ownerUserId : "_unknown";
    return this.serially(async () => {
      const ownerDir = join(this.root, owner);
      await mkdir(ownerDir, { recursive: true, mode: 0o700 });
      const dir = join(ownerDir, taskId);
      const kept = this.parked.delete(dir) && options.resume === true;
      // A leftover of an earlier attempt of this task is not this attempt's (unless it resumes the parked
      // attempt's session, whose files these are): start empty.
      if (!kept) await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      this.inUse.set(taskId, dir);
      return dir;
    });
  }

  /** The task ended: its directory goes now, or once the retention has passed (the sweep). */
  async release(taskId: string, options: { parked?: boolean } = {}): Promise<void> {
    const dir = this.inUse.get(taskId);
    if (!dir) return;
    this.inUse.delete(taskId);
    if (options.parked) {
      this.parked.set(dir, Date.now() + parkedKeepMs);
      return;
    }
    if (this.retentionMs === 0) {
      // The owner's root goes too once empty: a later task of another owner sees no trace of this one.
      await this.serially(async () => {
        await rm(dir, { recursive: true, force: true });
        await rmdir(dirname(dir)).catch(() => {});
      });
      return;
    }
    // The sweep reads "ended at" from the directory's mtime.
    const now = new Date();
    await utimes(dir, now, now).catch(() => {});
  }

  /** Removes task directories past their retention (never one in use) and owner roots left empty. */
  sweep(): Promise<void> {
    return this.serially(async () => {
      const now = Date.now();
      for (const [dir, until] of this.parked) if (until <= now) this.parked.delete(dir);
      const running = new Set([...this.inUse.values(), ...this.parked.keys()]);
      for (const owner of await readdir(this.root).catch(() => [] as string[])) {
        const ownerDir = join(this.root, owner);
        const left = await sweepTaskDirs(ownerDir, this.retentionMs, running, false);
        if (left === 0) await rm(ownerDir, { recursive: true, force: true }).catch(() => {});
      }
    });
  }

  /** Stops the periodic sweep (the worker stopped); the root goes if nothing is kept in it. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.serially(() => rmdir(this.root)).catch(() => {});
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Removes the entries of `dir` whose mtime is older than `retentionMs`; returns how many are left. */
async function sweepTaskDirs(
  dir: string,
  retentionMs: number,
  keep: Set<string>,
  removeDirIfEmpty: boolean,
  only: RegExp = /./,
) {
  const names = await readdir(dir).catch(() => null);
  if (names === null) return 0;
  let left = 0;
  const now = Date.now();
  for (const name of names) {
    const path = join(dir, name);
    if (keep.has(path) || !only.test(name)) {
      left += 1;
      continue;
    }
    const info = await lstat(path).catch(() => null);
    if (info && now - info.mtimeMs < retentionMs) {
      left += 1;
      continue;
    }
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
  if (removeDirIfEmpty && left === 0) await rmdir(dir).catch(() => {});
  return left;
}

/**
 * mkdir 0700, and make sure an existing one is a real directory of ours that nobody else can enter: in a
 * shared /tmp, another user could have made it first (or put a symlink there) to read our tasks' files.
 */
async function makePrivateDir(dir: string, mustBeOurs: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory()) throw new Error(`${dir} must be a directory (found a symlink or a file)`);
  if (isWindows) return;
  if (mustBeOurs && typeof process.getuid === "function" && info.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to another user (uid ${info.uid}); give --work-dir a directory of your own`);
  }
  if ((info.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

/** Neither directory may be inside the other: `..` from a task must never reach the state or data dir. */
async function assertApart(root: string, other: string): Promise<void> {
  const real = async (path: string) => realpath(path).catch(() => resolve(path));
  const a = await real(root);
  const b = await real(other);
  const inside = (child: string, parent: string) => {
    const rel = relative(parent, child);
    return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
  };
  if (inside(a, b) || inside(b, a)) {
    throw new Error(`task workdirs (${a}) must not be inside ${b} or contain it; give --work-dir another directory`);
  }
}
