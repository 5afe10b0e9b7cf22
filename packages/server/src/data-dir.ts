// The data dir holds the embedded database, the local worker's key and spilled output, so only the
// server's own OS user may enter it: directories 0700, files 0600. The directory mode is the boundary
// (other users cannot open anything beneath a 0700 dir); the file modes keep it when files are copied out.
import { chmodSync, mkdirSync } from "node:fs";
import { chmod, lstat, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the directory (and missing parents) 0700, and narrows it to 0700 when it already exists. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(path, PRIVATE_DIR_MODE);
}

export function ensurePrivateDirSync(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(path, PRIVATE_DIR_MODE);
}

export async function chmodPrivate(file: string): Promise<void> {
  await chmod(file, PRIVATE_FILE_MODE);
}

/**
 * Narrows everything under `root` to 0700/0600. PGlite extracts its initial cluster with mode 0666 and
 * writes `pg_internal.init` 0644 whatever the umask, so its directory is swept after open and at close.
 * Files that vanish mid-sweep (a recycled WAL segment) are skipped; symlinks are left alone.
 */
export async function restrictTree(root: string): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true }).catch(ignoreVanished);
  await chmod(root, PRIVATE_DIR_MODE).catch(ignoreVanished);
  for (const entry of entries ?? []) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await restrictTree(path);
    else if (entry.isFile()) await restrictFile(path);
  }
}

async function restrictFile(path: string): Promise<void> {
  const stat = await lstat(path).catch(ignoreVanished);
  if (stat && (stat.mode & 0o077) !== 0) await chmod(path, PRIVATE_FILE_MODE).catch(ignoreVanished);
}

function ignoreVanished(error: NodeJS.ErrnoException): undefined {
  if (error.code === "ENOENT") return undefined;
  throw error;
}
