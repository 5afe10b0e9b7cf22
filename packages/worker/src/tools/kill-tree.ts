// Killing a tool means killing everything it started: CLIs like Claude Code spawn shells, language
// servers and MCP servers of their own. On POSIX each tool runs as the leader of its own process group
// (spawn detached), so one signal to -pid reaches the whole tree; on Windows taskkill /T walks it.
import { setTimeout as sleep } from "node:timers/promises";
import treeKill from "tree-kill";

const isWindows = process.platform === "win32";

/** Sends SIGTERM to the tree, waits up to `graceMs` for it to go, then SIGKILLs what is left. */
export async function killProcessTree(pid: number, graceMs: number): Promise<void> {
  if (isWindows) {
    await new Promise<void>((resolve) => treeKill(pid, "SIGKILL", () => resolve()));
    return;
  }
  if (!signalGroup(pid, "SIGTERM")) return;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(25);
    if (!groupAlive(pid)) return;
  }
  signalGroup(pid, "SIGKILL");
}

/** Sends a signal to a process group; false when the group no longer exists. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
