// A real worker process with its control panel (`garageswarm worker --ui --ui-port 0`), and the sign-in URL
// as `garageswarm worker open` hands it to the browser: the system's opener (xdg-open) is the outermost edge,
// so a fake one first on PATH records the URL it was given.
import { execFile } from "node:child_process";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  cleanEnv,
  cliBin,
  repoRoot,
  type SpawnWorkerOptions,
  spawnWorker,
  tempDir,
  type WorkerProcess,
  waitFor,
} from "./support.ts";

const run = promisify(execFile);

export interface PanelWorker extends WorkerProcess {
  /** Where the panel listens, e.g. http://127.0.0.1:41234. */
  url: string;
}

export async function spawnPanelWorker(options: Partial<SpawnWorkerOptions> = {}): Promise<PanelWorker> {
  const worker = await spawnWorker({ ...options, args: ["--ui", "--ui-port", "0", ...(options.args ?? [])] });
  const [, url] = (await worker.waitForLog(/Control panel: (http:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
    string,
    string,
  ];
  return Object.assign(worker, { url });
}

/** Runs `garageswarm worker open` with a fake xdg-open and returns the URL it would have opened. */
export async function openedUrl(stateDir: string): Promise<string> {
  const bin = await tempDir("gs-opener-");
  const record = join(bin, "opened.txt");
  const opener = join(bin, "xdg-open");
  await writeFile(opener, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
  await chmod(opener, 0o755);
  const env = { ...cleanEnv(), PATH: `${bin}:${process.env.PATH ?? ""}` };
  const { stdout } = await run(process.execPath, [cliBin, "worker", "open", "--state-dir", stateDir], {
    cwd: repoRoot,
    env,
  });
  if (!stdout.includes("Opened the control panel")) throw new Error(`worker open said: ${stdout}`);
  return waitFor(() => readFile(record, "utf8").catch(() => ""), { what: "the fake xdg-open to be called" });
}
