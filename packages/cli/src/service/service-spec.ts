// What a worker service runs and what it is called, whatever the OS: the CLI's own entry file under the
// Node that runs it now, as `worker --state-dir <dir>`, so the service reads the flags `install` saved.
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export type ServicePlatform = "linux" | "darwin" | "win32";

export interface ServiceSpec {
  /** `--service-name` (several workers on one machine), or undefined for the one default worker. */
  suffix: string | undefined;
  /** The executable: Node. */
  program: string;
  /** Its arguments: the CLI entry (a checkout's bin or a single-file bundle), then `worker --state-dir <dir>`. */
  args: string[];
  stateDir: string;
  /** PATH at install time: service managers start with a bare PATH, which rarely holds the agent CLIs. */
  path: string;
  /** Seconds a stop waits before killing: the worker's drain timeout plus time to flush its reports. */
  stopTimeoutSeconds: number;
}

const SUFFIX = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** Checks `--service-name`: it becomes part of a unit name, a launchd label and a task path. */
export function parseServiceSuffix(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!SUFFIX.test(value)) {
    throw new Error(`--service-name must be 1-40 lowercase letters, digits or dashes (e.g. gpu), got "${value}"`);
  }
  return value;
}

/** The state dir a service uses: the one given, else ~/.garageswarm/worker (worker-<suffix> for a named one). */
export function serviceStateDir(stateDir: string | undefined, suffix: string | undefined): string {
  if (stateDir !== undefined) return stateDir;
  return join(homedir(), ".garageswarm", suffix === undefined ? "worker" : `worker-${suffix}`);
}

/** The file this CLI was started from: bin/garageswarm.js in a checkout, the .mjs of a bundle. */
export function cliEntryFile(argv: readonly string[] = process.argv): string {
  const entry = argv[1];
  if (!entry) throw new Error("cannot tell which file this CLI runs from (process.argv[1] is empty)");
  return realpathSync(entry);
}

export function workerServiceSpec(input: {
  suffix: string | undefined;
  stateDir: string;
  drainTimeoutSeconds: number;
  env: NodeJS.ProcessEnv;
}): ServiceSpec {
  return {
    suffix: input.suffix,
    program: process.execPath,
    args: [cliEntryFile(), "worker", "--state-dir", input.stateDir],
    stateDir: input.stateDir,
    path: input.env.PATH ?? input.env.Path ?? "",
    stopTimeoutSeconds: Math.ceil(input.drainTimeoutSeconds) + 30,
  };
}
