// A worker's settings from three sources: flags win over env, env over the state dir's config.json.
import { hostname } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_WORKTREE_RETENTION_SECONDS } from "../code/worktrees.ts";
import { type AgentToolId, parseUnsafeModes } from "../tools/agent-modes.ts";
import { validatePassEnv } from "../tools/environment.ts";
import { defaultStateDir, readConfigFile, type WorkerConfigFile } from "./identity.ts";
import { type MaxConcurrent, parseMaxConcurrent } from "./max-concurrent.ts";

/** Flags as the CLI parses them (all strings or booleans, all optional). */
export interface WorkerFlags {
  server?: string;
  key?: string;
  stateDir?: string;
  name?: string;
  slots?: string;
  /** `tool=n` entries (the flag may be repeated; each may be a comma-separated list). */
  maxConcurrent?: string | string[];
  pull?: boolean;
  labels?: string;
  enableShell?: boolean;
  drainTimeout?: string;
  passEnv?: string;
  /** `true` for every agent tool, or a comma-separated list of tool ids. */
  allowUnsafeAgentModes?: boolean | string;
  workDir?: string;
  workdirRetention?: string;
  worktreeRetention?: string;
}

export const workerEnvNames = {
  server: "GARAGESWARM_SERVER",
  key: "GARAGESWARM_KEY",
  stateDir: "GARAGESWARM_WORKER_STATE_DIR",
  name: "GARAGESWARM_WORKER_NAME",
  slots: "GARAGESWARM_WORKER_SLOTS",
  maxConcurrent: "GARAGESWARM_WORKER_MAX_CONCURRENT",
  labels: "GARAGESWARM_WORKER_LABELS",
  passEnv: "GARAGESWARM_PASS_ENV",
  allowUnsafeAgentModes: "GARAGESWARM_ALLOW_UNSAFE_AGENT_MODES",
  workDir: "GARAGESWARM_WORK_DIR",
  workdirRetention: "GARAGESWARM_WORKDIR_RETENTION",
  worktreeRetention: "GARAGESWARM_WORKTREE_RETENTION",
} as const;

export interface WorkerSettings extends SandboxSettings {
  server: string;
  key: string;
  stateDir: string;
  name: string;
  slots: number;
  /** Per-tool caps (--max-concurrent); tools not named are bounded by the slots only. */
  maxConcurrent: MaxConcurrent;
  pull: boolean;
  labels: string[];
  enableShell: boolean;
  drainTimeoutSeconds: number;
}

/** What tool processes get and where they run: the owner's say over what tasks can reach on this machine. */
export interface SandboxSettings {
  /** Extra variables passed to tool processes (--pass-env). */
  passEnv: string[];
  /** Agent tools whose powers task options may widen (--allow-unsafe-agent-modes). */
  allowUnsafeAgentModes: AgentToolId[];
  /** Where task workdirs go (--work-dir); undefined: under the OS temp dir. */
  workDir: string | undefined;
  /** Seconds a finished task's workdir is kept (--workdir-retention). */
  workdirRetentionSeconds: number;
  /** Seconds a code task's worktree is kept for a review's follow-up (--worktree-retention). */
  worktreeRetentionSeconds: number;
}

export type SandboxFlags = Pick<
  WorkerFlags,
  "passEnv" | "allowUnsafeAgentModes" | "workDir" | "workdirRetention" | "worktreeRetention"
>;

/** Flags win over env, env over config.json; used by `garageswarm worker` and by the local worker of `up`. */
export function resolveSandboxSettings(
  flags: SandboxFlags,
  env: NodeJS.ProcessEnv,
  file: WorkerConfigFile,
): SandboxSettings {
  const fromEnv = (name: string) => (env[name] === "" ? undefined : env[name]);
  const passText = flags.passEnv ?? fromEnv(workerEnvNames.passEnv);
  const passEnv = validatePassEnv(passText === undefined ? (file.pass_env ?? []) : splitList(passText));
  const unsafe =
    flags.allowUnsafeAgentModes ?? fromEnv(workerEnvNames.allowUnsafeAgentModes) ?? file.allow_unsafe_agent_modes;
  const workDir = flags.workDir ?? fromEnv(workerEnvNames.workDir) ?? file.work_dir;
  const retentionText = flags.workdirRetention ?? fromEnv(workerEnvNames.workdirRetention);
  const retention = retentionText === undefined ? (file.workdir_retention_seconds ?? 0) : Number(retentionText);
  if (!(retention >= 0) || !Number.isFinite(retention)) {
    throw new Error("--workdir-retention must be zero or a positive number of seconds");
  }
  const worktreeText = flags.worktreeRetention ?? fromEnv(workerEnvNames.worktreeRetention);
  const worktreeRetention =
    worktreeText === undefined
      ? (file.worktree_retention_seconds ?? DEFAULT_WORKTREE_RETENTION_SECONDS)
      : Number(worktreeText);
  if (!(worktreeRetention >= 0) || !Number.isFinite(worktreeRetention)) {
    throw new Error("--worktree-retention must be zero or a positive number of seconds");
  }
  return {
    passEnv,
    allowUnsafeAgentModes: parseUnsafeModes(unsafe),
    workDir: workDir === undefined ? undefined : resolve(workDir),
    workdirRetentionSeconds: retention,
    worktreeRetentionSeconds: worktreeRetention,
  };
}

/** Per-tool caps: the flag (repeatable) wins over the env variable, which wins over config.json. */
export function resolveMaxConcurrent(
  flags: Pick<WorkerFlags, "maxConcurrent">,
  env: NodeJS.ProcessEnv,
  file: WorkerConfigFile,
): MaxConcurrent {
  if (flags.maxConcurrent !== undefined) return parseMaxConcurrent([flags.maxConcurrent].flat(), "--max-concurrent");
  const text = env[workerEnvNames.maxConcurrent];
  if (text !== undefined && text !== "") return parseMaxConcurrent([text], workerEnvNames.maxConcurrent);
  return file.max_concurrent ?? {};
}

export const DEFAULT_DRAIN_TIMEOUT_SECONDS = 60;

/** Merges the sources and validates; errors say which flag or variable to fix. */
export async function resolveWorkerSettings(
  flags: WorkerFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkerSettings> {
  const fromEnv = (name: string) => (env[name] === "" ? undefined : env[name]);
  const stateDir = resolve(flags.stateDir ?? fromEnv(workerEnvNames.stateDir) ?? defaultStateDir());
  const file = await readConfigFile(stateDir);

  const server = flags.server ?? fromEnv(workerEnvNames.server) ?? file.server;
  if (!server) throw new Error(`no server: give --server URL (or set ${workerEnvNames.server})`);
  if (!/^https?:\/\/[^/]/.test(server)) throw new Error(`--server must be an http:// or https:// URL, got "${server}"`);
  const key = flags.key ?? fromEnv(workerEnvNames.key) ?? file.key;
  if (!key)
    throw new Error(
      `no API key: give --key gs_… (or set ${workerEnvNames.key}); create one with "garageswarm keys create"`,
    );
  if (!key.startsWith("gs_")) throw new Error("--key must be an API key starting with gs_");

  const slotsText = flags.slots ?? fromEnv(workerEnvNames.slots);
  const slots = slotsText === undefined ? (file.slots ?? 1) : Number(slotsText);
  if (!Number.isInteger(slots) || slots < 1 || slots > 256)
    throw new Error("--slots must be a whole number from 1 to 256");

  const labelsText = flags.labels ?? fromEnv(workerEnvNames.labels);
  const labels = labelsText === undefined ? (file.labels ?? []) : splitList(labelsText);

  const drain = flags.drainTimeout === undefined ? file.drain_timeout_seconds : Number(flags.drainTimeout);
  if (drain !== undefined && !(drain > 0)) throw new Error("--drain-timeout must be a positive number of seconds");

  return {
    server: server.replace(/\/+$/, ""),
    key,
    stateDir,
    name: flags.name ?? fromEnv(workerEnvNames.name) ?? file.name ?? hostname(),
    slots,
    maxConcurrent: resolveMaxConcurrent(flags, env, file),
    pull: flags.pull ?? file.pull ?? false,
    labels,
    enableShell: flags.enableShell ?? file.enable_shell ?? false,
    drainTimeoutSeconds: drain ?? DEFAULT_DRAIN_TIMEOUT_SECONDS,
    ...resolveSandboxSettings(flags, env, file),
  };
}

/**
 * The flags given, as `config.json` keys (`garageswarm worker install` saves them for the service). Only
 * what was given: merged over the file, a saved server or key stays. Check them first with
 * resolveWorkerSettings, which names the flag that is wrong.
 */
export function configOfFlags(flags: WorkerFlags): WorkerConfigFile {
  const config: WorkerConfigFile = {};
  if (flags.server !== undefined) config.server = flags.server.replace(/\/+$/, "");
  if (flags.key !== undefined) config.key = flags.key;
  if (flags.name !== undefined) config.name = flags.name;
  if (flags.slots !== undefined) config.slots = Number(flags.slots);
  if (flags.maxConcurrent !== undefined) {
    config.max_concurrent = parseMaxConcurrent([flags.maxConcurrent].flat(), "--max-concurrent");
  }
  if (flags.pull !== undefined) config.pull = flags.pull;
  if (flags.labels !== undefined) config.labels = splitList(flags.labels);
  if (flags.enableShell !== undefined) config.enable_shell = flags.enableShell;
  if (flags.drainTimeout !== undefined) config.drain_timeout_seconds = Number(flags.drainTimeout);
  if (flags.passEnv !== undefined) config.pass_env = validatePassEnv(splitList(flags.passEnv));
  if (flags.allowUnsafeAgentModes !== undefined) {
    config.allow_unsafe_agent_modes =
      flags.allowUnsafeAgentModes === true ? true : parseUnsafeModes(flags.allowUnsafeAgentModes);
  }
  // Absolute: the service does not start in the directory install was run from.
  if (flags.workDir !== undefined) config.work_dir = resolve(flags.workDir);
  if (flags.workdirRetention !== undefined) config.workdir_retention_seconds = Number(flags.workdirRetention);
  if (flags.worktreeRetention !== undefined) config.worktree_retention_seconds = Number(flags.worktreeRetention);
  return config;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
