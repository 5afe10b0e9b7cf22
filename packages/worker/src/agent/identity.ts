// A worker's identity lives in its state dir, not in hardware ids, so several workers can share one
// machine: `machine-id` (generated once) and an optional `config.json` written by the owner.
import { randomUUID } from "node:crypto";
import { chmod, link, lstat, mkdir, readdir, readFile, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { MaxConcurrent } from "./max-concurrent.ts";

export function defaultStateDir(): string {
  return join(homedir(), ".garageswarm", "worker");
}

/** `config.json` in the state dir: every field optional, flags and env win over it. */
export const WorkerConfigFile = z
  .object({
    server: z.url().optional(),
    key: z.string().startsWith("gs_", "must be an API key (gs_…)").optional(),
    name: z.string().min(1).max(200).optional(),
    slots: z.number().int().min(1).max(256).optional(),
    labels: z.array(z.string().min(1).max(100)).max(50).optional(),
    enable_shell: z.boolean().optional(),
    pull: z.boolean().optional(),
    drain_timeout_seconds: z.number().positive().optional(),
    /** Extra variables tool processes get besides the allow-list (names). */
    pass_env: z.array(z.string().min(1).max(200)).max(100).optional(),
    /** true: every agent tool may be widened by task options; a list: those tools only. */
    allow_unsafe_agent_modes: z.union([z.boolean(), z.array(z.string().min(1).max(50)).max(10)]).optional(),
    /** Per-tool caps, e.g. {"claude_code": 2}: at most that many tasks of the tool at once. */
    max_concurrent: MaxConcurrent.optional(),
    work_dir: z.string().min(1).max(4096).optional(),
    workdir_retention_seconds: z.number().nonnegative().optional(),
    worktree_retention_seconds: z.number().nonnegative().optional(),
  })
  .strict();
export type WorkerConfigFile = z.infer<typeof WorkerConfigFile>;

/** Reads `config.json`, or `{}` when there is none; a malformed file is an error naming the file. */
export async function readConfigFile(stateDir: string): Promise<WorkerConfigFile> {
  const file = join(stateDir, "config.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = WorkerConfigFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: ${issue?.path.join(".") || "config"} ${issue?.message ?? "is invalid"}`);
  }
  return parsed.data;
}

/**
 * The state dir holds the worker's key (config.json), machine id and undelivered reports: 0700, and those
 * files 0600, whatever umask or an older version created them with. Only the worker's own files are
 * touched, in case the state dir was pointed at a directory that holds others.
 */
export async function secureStateDir(stateDir: string): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  if (process.platform === "win32") return;
  await chmod(stateDir, 0o700);
  const tightenFile = async (path: string) => {
    const info = await lstat(path).catch(() => null);
    if (info?.isFile() && (info.mode & 0o077) !== 0) await chmod(path, 0o600);
  };
  for (const name of ["machine-id", "config.json", "panel-secret"]) await tightenFile(join(stateDir, name));
  const outbox = join(stateDir, "outbox");
  const reports = await readdir(outbox).catch(() => null);
  if (reports === null) return;
  await chmod(outbox, 0o700);
  for (const name of reports) await tightenFile(join(outbox, name));
}

/** The machine id of this state dir, generated on first use. Two processes racing agree on one id. */
export async function loadMachineId(stateDir: string): Promise<string> {
  const file = join(stateDir, "machine-id");
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim() !== "") return existing.trim();
  // Written aside, then linked into place: the id appears whole or not at all, and only the first link wins.
  const candidate = `${file}.${randomUUID()}.tmp`;
  await writeFile(candidate, `${randomUUID()}\n`, { mode: 0o600 });
  try {
    await link(candidate, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    await unlink(candidate);
  }
  const id = (await readFile(file, "utf8")).trim();
  if (id === "") throw new Error(`${file} is empty: delete it to generate a new machine id`);
  return id;
}
