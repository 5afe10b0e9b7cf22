// What every CLI adapter (claude, gemini, codex, shell) shares: start the process in the task's workdir
// with a temp dir of its own, forward stderr, and turn start failures and aborts into the typed tool errors
// (never a bare Error).
import { mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import type { ToolId } from "@garageswarm/protocol";
import {
  abortReasonOf,
  ToolAbortedError,
  type ToolError,
  ToolInputError,
  ToolRunError,
  ToolUnavailableError,
} from "./errors.ts";
import { ProcessAbortedError, type ProcessExit, ProcessStartError, runProcess } from "./process.ts";
import type { RunContext, ToolHealth } from "./tool.ts";

/** Settings every subprocess tool shares. */
export interface CliSettings {
  /** The executable: a name looked up on the env's PATH, or an absolute path. */
  command: string;
  /** The tool's allow-listed environment (environment.ts), never the worker's own. */
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
}

export interface CliRun {
  tool: ToolId;
  settings: CliSettings;
  args: string[];
  /** Written to the process's stdin, then closed; without it stdin is /dev/null. */
  input?: string;
  context: RunContext;
  onStdoutLine(line: string): void;
  /** The output to attach to an abort error: whatever the adapter has gathered so far. */
  outputSoFar(): string;
}

export interface CliOutcome extends ProcessExit {
  /** The tail of stderr, for error messages. */
  stderr: string;
}

const stderrKeptChars = 16_384;

/**
 * The run's own temp dir, beside its workdir (so inside the owner's 0700 root), removed when the run ends:
 * CLIs write there what may hold a task's content (Gemini CLI's `gemini-client-error-*.json` reports,
 * 0644, with the conversation), which in a shared /tmp another task or user could read.
 */
function runTempDir(workdir: string): string {
  return `${workdir}.tmp`;
}

export async function runCli(run: CliRun): Promise<CliOutcome> {
  let stderr = "";
  const temp = runTempDir(run.context.workdir);
  try {
    await mkdir(temp, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ToolRunError(`Could not make the run's temp dir ${temp}: ${(error as Error).message}`, run.tool);
  }
  try {
    const exit = await runProcess({
      command: run.settings.command,
      args: run.args,
      cwd: run.context.workdir,
      env: { ...run.settings.env, TMPDIR: temp, TMP: temp, TEMP: temp },
      input: run.input,
      signal: run.context.signal,
      killGraceMs: run.settings.killGraceMs,
      onLine: (line, stream) => {
        if (stream === "stdout") return run.onStdoutLine(line);
        stderr = `${stderr}${line}\n`.slice(-stderrKeptChars);
        run.context.onOutput(`${line}\n`, "stderr");
      },
    });
    return { ...exit, stderr };
  } catch (error) {
    if (error instanceof ProcessAbortedError) {
      throw new ToolAbortedError(abortReasonOf(run.context.signal), run.tool, run.outputSoFar());
    }
    if (error instanceof ProcessStartError) throw startFailure(run, error);
    throw error;
  } finally {
    await rm(temp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Why a CLI did not start, as the tool error that says what to do about it. */
function startFailure(run: CliRun, error: ProcessStartError): ToolError {
  const command = run.settings.command;
  if (error.code === "E2BIG") {
    return new ToolInputError(
      `The prompt or an argument is too large for ${command}'s command line (E2BIG: the system takes at most ` +
        "128 KiB in one argument and a few MiB in all); another attempt would fail the same way",
      run.tool,
    );
  }
  if (error.code === "ERR_INVALID_ARG_VALUE") {
    return new ToolInputError(
      `An argument or environment value for ${command} holds a NUL character, which no command line can carry`,
      run.tool,
    );
  }
  if (error.code === "ENOENT" || error.code === "EACCES") {
    return new ToolUnavailableError(`${command} is not installed or not executable (${error.code})`, run.tool);
  }
  // Out of processes or file descriptors (EAGAIN, EMFILE, ENFILE…): this machine, now; another attempt may work.
  return new ToolRunError(`${command} could not be started (${error.code})`, run.tool);
}

/** A CLI tool is healthy when `<command> --version` answers. */
export async function cliHealth(settings: CliSettings): Promise<ToolHealth> {
  return (await detectCliVersion(settings)) === null
    ? { healthy: false, detail: `${settings.command} --version failed` }
    : { healthy: true };
}

/** Runs `<command> --version`; the version it prints, or null when the command is absent or fails. */
export async function detectCliVersion(settings: CliSettings): Promise<string | null> {
  const lines: string[] = [];
  try {
    const exit = await runProcess({
      command: settings.command,
      args: ["--version"],
      cwd: tmpdir(),
      env: settings.env,
      signal: AbortSignal.timeout(15_000),
      killGraceMs: settings.killGraceMs,
      onLine: (line, stream) => {
        if (stream === "stdout" && line.trim() !== "") lines.push(line.trim());
      },
    });
    if (exit.exitCode !== 0 || lines.length === 0) return null;
  } catch {
    return null;
  }
  // "2.0.14 (Claude Code)", "codex-cli 0.46.0", "0.24.0": keep the version number when there is one.
  const first = lines[0]!;
  return /\d+\.\d+\.\d+[\w.+-]*/.exec(first)?.[0] ?? first;
}

/** Parses one line of a JSON-lines stream; null when the line is not a JSON object. */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
