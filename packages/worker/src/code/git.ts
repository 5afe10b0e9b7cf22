// Runs git for code tasks: execFile (never a shell), a timeout, no prompt that could wait for a terminal, and
// options that keep a hostile repository or remote from running anything (ext:: transport, hooks, fsmonitor).
// A task of another user than the worker's owner runs git without the owner's credentials (see `untrusted`).
import { execFile } from "node:child_process";

/** How long one git command may take unless told otherwise (a checkout of a big tree); fetches get more. */
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface GitContext {
  /** The environment git starts with: already an allow-list (gitEnvironment). */
  env: NodeJS.ProcessEnv;
  /** The task belongs to another user than the worker's owner: no credential helper, no ssh identity. */
  untrusted: boolean;
  /** Fires on cancel or timeout of the task: the git process is killed. */
  signal?: AbortSignal;
}

export interface GitCall {
  cwd: string;
  timeoutMs?: number;
  /** Written to git's stdin. */
  input?: string | Buffer;
}

/** git exited non-zero (or was killed): its stderr says why. */
export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
  ) {
    const detail = stderr.trim() || (timedOut ? "timed out" : `exit code ${exitCode}`);
    super(`git ${args[0] ?? ""} failed: ${detail}`);
    this.name = "GitError";
  }
}

/** `-c` options every git call gets: nothing in a repository's or remote's hands may run a program. */
function safetyOptions(untrusted: boolean): string[] {
  const options = [
    "-c",
    "protocol.ext.allow=never",
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
  ];
  // An empty value resets the list of credential helpers the owner's global config names.
  if (untrusted) options.push("-c", "credential.helper=");
  return options;
}

/** Runs git and resolves with its stdout as bytes; rejects with GitError. */
export function gitBytes(context: GitContext, args: readonly string[], call: GitCall): Promise<Buffer> {
  const fullArgs = [...safetyOptions(context.untrusted), ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      fullArgs,
      {
        cwd: call.cwd,
        env: context.env,
        encoding: "buffer",
        timeout: call.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        killSignal: "SIGKILL",
        maxBuffer: MAX_OUTPUT_BYTES,
        signal: context.signal,
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        if (context.signal?.aborted) {
          reject(context.signal.reason instanceof Error ? context.signal.reason : error);
          return;
        }
        const failure = error as NodeJS.ErrnoException & { killed?: boolean; code?: unknown };
        const exitCode = typeof failure.code === "number" ? failure.code : null;
        reject(new GitError(args, exitCode, stderr.toString("utf8").slice(-8_000), failure.killed === true));
      },
    );
    child.stdin?.on("error", () => {});
    if (call.input !== undefined) child.stdin?.end(call.input);
    else child.stdin?.end();
  });
}

/** Runs git and resolves with its stdout as text. */
export async function git(context: GitContext, args: readonly string[], call: GitCall): Promise<string> {
  return (await gitBytes(context, args, call)).toString("utf8");
}

/** Runs git for a yes/no answer: exit 0 is true, exit 1 false; anything else rejects. */
export async function gitSucceeds(context: GitContext, args: readonly string[], call: GitCall): Promise<boolean> {
  try {
    await gitBytes(context, args, call);
    return true;
  } catch (error) {
    if (error instanceof GitError && error.exitCode === 1) return false;
    throw error;
  }
}

/** Variables git needs from the worker's environment (its config, ssh agent), beyond the tools' allow-list. */
const trustedGitNames = ["SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_SSH_VARIANT", "GIT_CONFIG_GLOBAL"];

/**
 * The environment git runs with: the tools' allow-list (`base`), never a prompt (no terminal, no askpass);
 * for another user's task, no ssh agent and no ssh key either, so it cannot reach the owner's private repos.
 */
export function gitEnvironment(
  base: NodeJS.ProcessEnv,
  source: NodeJS.ProcessEnv,
  untrusted: boolean,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of ["GIT_ASKPASS", "SSH_ASKPASS", "SSH_AUTH_SOCK", "GIT_SSH_COMMAND", "GIT_SSH"]) delete env[name];
  if (!untrusted) {
    for (const name of trustedGitNames) if (source[name] !== undefined) env[name] = source[name];
  }
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  if (untrusted) {
    env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=/dev/null";
    // Nor the owner's git config: an http.extraHeader, url.insteadOf or credential there is the owner's.
    env.GIT_CONFIG_GLOBAL = "/dev/null";
    env.GIT_CONFIG_NOSYSTEM = "1";
  } else {
    env.GIT_SSH_COMMAND ??= "ssh -o BatchMode=yes";
  }
  return env;
}
