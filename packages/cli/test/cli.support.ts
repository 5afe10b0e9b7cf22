// The CLI as a person runs it: the bin spawned with a bare environment, and a scratch folder per file.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerTestOptions, serverTest } from "../../../test/support/fixtures.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const cliBin = join(repoRoot, "packages/cli/bin/garageswarm.js");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `garageswarm args…` with only PATH, HOME and `env`; `input` is its whole standard input. It starts at
 * once: a test can act (say, as a worker) before awaiting the end.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input = "",
  /** Called with all of stdout so far, each time more arrives (to act on what the CLI printed). */
  onStdout?: (stdout: string) => void,
  /** The same for stderr. */
  onStderr?: (stderr: string) => void,
): Promise<CliRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      onStdout?.(stdout);
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      onStderr?.(stderr);
    });
    child.once("error", reject);
    child.once("exit", (code) => resolveRun({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * serverTest's fixtures and `dir`, a scratch folder for the file (CLI config, workflow files); `options` as
 * serverTest's (an admin password, a registration mode).
 */
export function cliTest(options: ServerTestOptions = {}) {
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern; none here.
  return serverTest(options).extend("dir", { scope: "file" }, async ({}, { onCleanup }) => {
    const dir = await mkdtemp(join(tmpdir(), "gs-cli-"));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    return dir;
  });
}
