// A worker's settings from three sources: flags win over env, env over the state dir's config.json.
import { hostname } from "node:os";
import { resolve } from "node:path";
import { defaultStateDir, readConfigFile } from "./identity.ts";

/** Flags as the CLI parses them (all strings or booleans, all optional). */
export interface WorkerFlags {
  server?: string;
  key?: string;
  stateDir?: string;
  name?: string;
  slots?: string;
  pull?: boolean;
  labels?: string;
  enableShell?: boolean;
  drainTimeout?: string;
}

export const workerEnvNames = {
  server: "GARAGESWARM_SERVER",
  key: "GARAGESWARM_KEY",
  stateDir: "GARAGESWARM_WORKER_STATE_DIR",
  name: "GARAGESWARM_WORKER_NAME",
  slots: "GARAGESWARM_WORKER_SLOTS",
  labels: "GARAGESWARM_WORKER_LABELS",
} as const;

export interface WorkerSettings {
  server: string;
  key: string;
  stateDir: string;
  name: string;
  slots: number;
  pull: boolean;
  labels: string[];
  enableShell: boolean;
  drainTimeoutSeconds: number;
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
    pull: flags.pull ?? file.pull ?? false,
    labels,
    enableShell: flags.enableShell ?? file.enable_shell ?? false,
    drainTimeoutSeconds: drain ?? DEFAULT_DRAIN_TIMEOUT_SECONDS,
  };
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
