// Each task runs in its own directory under the worker's state dir: <stateDir>/tasks/<task_id>.
// Directories are kept after the task ends, so a later node of the same run can reuse the workspace.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";

// Task ids come from the server (UUIDs); anything else must not be able to escape the tasks dir.
const safeTaskId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function isSafeTaskId(taskId: string): boolean {
  return safeTaskId.test(taskId) && !taskId.includes("..");
}

export function workdirOf(stateDir: string, taskId: string): string {
  return join(stateDir, "tasks", taskId);
}

export async function createWorkdir(stateDir: string, taskId: string): Promise<string> {
  const dir = workdirOf(stateDir, taskId);
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function removeWorkdir(stateDir: string, taskId: string): Promise<void> {
  await rm(workdirOf(stateDir, taskId), { recursive: true, force: true });
}
