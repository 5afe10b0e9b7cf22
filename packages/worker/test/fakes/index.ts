// Fakes at the edge of the worker, for its tests and for end-to-end tests: fake `claude`, `gemini` and
// `codex` executables that print the real output shapes, and local servers speaking the real APIs.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export { startFakeAnthropic } from "./anthropic-server.ts";
export { type RecordingContext, recordingContext } from "./context.ts";
export { startFakeGeminiApi } from "./gemini-api-server.ts";
export type { FakeMode, FakeServer, RecordedRequest } from "./http.ts";
export { type FakeOllamaModel, fakeThinking, startFakeOllama } from "./ollama-server.ts";
export { startFakeOpenAi } from "./openai-server.ts";

/** The directory holding the fake `claude`, `gemini` and `codex` executables. */
export const fakeBinDir = join(dirname(fileURLToPath(import.meta.url)), "bin");

/**
 * A Gemini CLI home (GEMINI_CLI_HOME) signed in with Google: gemini_cli reads its health from these files, as
 * the real CLI does, so that the fake `gemini` is not reported "not logged in" on a machine without ~/.gemini.
 */
export const fakeGeminiHome = join(dirname(fileURLToPath(import.meta.url)), "gemini-home");

/** Knobs the fake CLIs read (see cli/common.mjs). */
export interface FakeCliKnobs {
  mode?: "ok" | "fail" | "hang" | "hang-child" | "hang-stubborn";
  reply?: string;
  pidFile?: string;
  argsFile?: string;
  /** Files the fake agent writes in its cwd: `{ "path": "content" }` (null deletes), or "append-prompt". */
  edit?: Record<string, string | null> | "append-prompt";
}

/** The knobs' variable names: tool processes see them only when the worker passes them (--pass-env). */
export const fakeKnobNames = ["GS_FAKE_MODE", "GS_FAKE_REPLY", "GS_FAKE_PID_FILE", "GS_FAKE_ARGS_FILE", "GS_FAKE_EDIT"];

/** Registry options for in-process tests: the fakes on PATH, the knobs set and passed to the fakes. */
export function fakeTools(knobs: FakeCliKnobs = {}, base: NodeJS.ProcessEnv = process.env) {
  return { env: fakeCliEnv(knobs, base), passEnv: fakeKnobNames };
}

/** What a fake CLI saw: its arguments, workdir, environment and (once read) the prompt. */
export interface FakeCliRecord {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  prompt?: string;
  [field: string]: unknown;
}

/** An environment whose PATH finds the fake CLIs first, with the given knobs set. */
export function fakeCliEnv(knobs: FakeCliKnobs = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { GEMINI_CLI_HOME: fakeGeminiHome, ...base, PATH: pathWithFakes(base.PATH) };
  delete env.GS_FAKE_MODE;
  delete env.GS_FAKE_REPLY;
  delete env.GS_FAKE_PID_FILE;
  delete env.GS_FAKE_ARGS_FILE;
  delete env.GS_FAKE_EDIT;
  if (knobs.mode) env.GS_FAKE_MODE = knobs.mode;
  if (knobs.reply !== undefined) env.GS_FAKE_REPLY = knobs.reply;
  if (knobs.pidFile) env.GS_FAKE_PID_FILE = knobs.pidFile;
  if (knobs.argsFile) env.GS_FAKE_ARGS_FILE = knobs.argsFile;
  if (knobs.edit) env.GS_FAKE_EDIT = typeof knobs.edit === "string" ? knobs.edit : JSON.stringify(knobs.edit);
  return env;
}

/** A PATH with the fake bin dir in front. */
export function pathWithFakes(path = process.env.PATH ?? ""): string {
  return path === "" ? fakeBinDir : `${fakeBinDir}${delimiter}${path}`;
}

/** What a hanging fake CLI wrote to its pid file, or null while it has not yet. */
export async function readFakePids(file: string): Promise<{ pid: number; child_pid: number | null } | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as { pid: number; child_pid: number | null };
  } catch {
    return null;
  }
}

/** What a fake CLI was started with. */
export async function readFakeArgs(file: string): Promise<FakeCliRecord> {
  return JSON.parse(await readFile(file, "utf8")) as FakeCliRecord;
}

/**
 * Whether a process has ended. A process orphaned under a PID 1 that never reaps (some containers)
 * lingers as a zombie: it runs nothing, so it counts as gone.
 */
export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  return isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== "linux") return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}
