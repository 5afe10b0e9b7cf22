// Spill files: the output of an attempt past what the database keeps, in `<dataDir>/logs/<task>.<attempt>.log`.
// The directory is 0700 and the files 0600 (output may hold secrets). They go with their task: removed when
// the task is deleted, and by a sweep (at start-up, on a hint after a workflow or user delete, and every
// while) for tasks that went by cascade or while another replica wrote their file.
import { chmod, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Resources } from "../resources.ts";
import { findExistingTaskIds } from "./queries.ts";

const FILE_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.\d+\.log$/;
const SWEEP_BATCH = 500;

export function logsDir(dataDir: string): string {
  return join(dataDir, "logs");
}

export function spillFilePath(dataDir: string, taskId: string, attempt: number): string {
  return join(logsDir(dataDir), `${taskId}.${attempt}.log`);
}

/** Creates the logs directory owner-only (and tightens one made by an older version). */
export async function ensureLogsDir(dataDir: string): Promise<void> {
  const dir = logsDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

async function listSpillFiles(dataDir: string): Promise<Array<{ name: string; task_id: string }>> {
  const names = await readdir(logsDir(dataDir)).catch(() => [] as string[]);
  return names.flatMap((name) => {
    const match = FILE_NAME.exec(name);
    return match?.[1] ? [{ name, task_id: match[1] }] : [];
  });
}

/** Removes every spill file of these tasks on this replica. */
export async function removeSpillFiles(dataDir: string, taskIds: string[]): Promise<number> {
  const wanted = new Set(taskIds);
  const files = (await listSpillFiles(dataDir)).filter((file) => wanted.has(file.task_id));
  await Promise.all(files.map((file) => rm(join(logsDir(dataDir), file.name), { force: true })));
  return files.length;
}

/** Removes the spill files whose task no longer exists; returns how many. */
export async function sweepOrphanSpillFiles(resources: Resources): Promise<number> {
  const files = await listSpillFiles(resources.config.dataDir);
  const taskIds = [...new Set(files.map((file) => file.task_id))];
  const orphans: string[] = [];
  for (let start = 0; start < taskIds.length; start += SWEEP_BATCH) {
    const batch = taskIds.slice(start, start + SWEEP_BATCH);
    const existing = await findExistingTaskIds(resources.db, batch);
    orphans.push(...batch.filter((taskId) => !existing.has(taskId)));
  }
  return orphans.length > 0 ? removeSpillFiles(resources.config.dataDir, orphans) : 0;
}
