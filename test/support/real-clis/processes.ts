// What a CLI run left running: the processes whose working directory is the run's workdir (the CLI and
// anything it started there). A cancelled run must leave none.
import { readdir, readlink } from "node:fs/promises";

export async function processesIn(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd === dir) found.push(Number(entry));
  }
  return found;
}
