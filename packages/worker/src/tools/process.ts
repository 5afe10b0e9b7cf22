// Runs one tool process: in the task's workdir, its own process group, stdout/stderr read line by line,
// and on abort the whole tree killed before the promise settles — so "cancelled" means "nothing left running".
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { killProcessTree, signalGroup } from "./kill-tree.ts";

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed: how a prompt reaches a CLI as data, never as an option. */
  input?: string;
  signal: AbortSignal;
  onLine(line: string, stream: "stdout" | "stderr"): void;
  /** How long a SIGTERMed tree gets before SIGKILL. */
  killGraceMs?: number;
}

export interface ProcessExit {
  pid: number;
  exitCode: number | null;
  /** The signal that ended the process, when one did. */
  exitSignal: NodeJS.Signals | null;
}

/**
 * The process could not be started: ENOENT (not installed), EACCES (not executable), E2BIG (an argument or
 * the whole command line over the system's limit: 128 KiB for one argument on Linux), EMFILE/EAGAIN (the
 * machine is out of file descriptors or processes), ERR_INVALID_ARG_VALUE (a NUL byte in an argument).
 */
export class ProcessStartError extends Error {
  constructor(
    readonly command: string,
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`Cannot start ${command}: ${code}`, options);
    this.name = "ProcessStartError";
  }
}

/** The signal fired; the process tree has been killed. */
export class ProcessAbortedError extends Error {
  constructor(readonly pid: number | null) {
    super("Process aborted");
    this.name = "ProcessAbortedError";
  }
}

const isWindows = process.platform === "win32";

export function runProcess(spec: ProcessSpec): Promise<ProcessExit> {
  if (spec.signal.aborted) return Promise.reject(new ProcessAbortedError(null));
  const graceMs = spec.killGraceMs ?? 2_000;

  return new Promise<ProcessExit>((resolve, reject) => {
    let child: ChildProcess;
    try {
      // stdin is the input or nothing: headless CLIs (codex exec) otherwise wait for piped input that never ends.
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        detached: !isWindows,
        stdio: [spec.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        windowsHide: true,
      });
    } catch (error) {
      // Node throws (rather than emitting "error") when the arguments cannot be handed to the system at
      // all: E2BIG, EINVAL, a NUL byte. Nothing started, so there is nothing to kill.
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      reject(new ProcessStartError(spec.command, code, { cause: error }));
      return;
    }
    if (spec.input !== undefined && child.stdin) {
      // A tool that exits without reading all of it closes the pipe (EPIPE): its exit says what happened.
      child.stdin.on("error", () => {});
      child.stdin.end(spec.input);
    }
    const exited = new Promise<void>((settle) => child.once("exit", () => settle()));
    let aborted = false;
    let exit: Pick<ProcessExit, "exitCode" | "exitSignal"> | null = null;
    let openStreams = 2;

    const onAbort = () => {
      if (aborted || child.pid === undefined) return;
      aborted = true;
      const pid = child.pid;
      // Settle only once the tool itself has been reaped, so its pid is really gone.
      void killProcessTree(pid, graceMs)
        .then(() => exited)
        .then(() => reject(new ProcessAbortedError(pid)));
    };
    spec.signal.addEventListener("abort", onAbort, { once: true });

    const finish = () => {
      if (exit === null || openStreams > 0 || aborted) return;
      spec.signal.removeEventListener("abort", onAbort);
      resolve({ pid: child.pid ?? -1, ...exit });
    };

    for (const stream of ["stdout", "stderr"] as const) {
      const lines = createInterface({ input: child[stream]!, crlfDelay: Number.POSITIVE_INFINITY });
      lines.on("line", (line) => {
        if (!aborted) spec.onLine(line, stream);
      });
      lines.on("close", () => {
        openStreams -= 1;
        finish();
      });
    }

    child.once("error", (error: NodeJS.ErrnoException) => {
      // With a pid the process did start (the error is about signalling it), and "exit" still follows.
      if (child.pid !== undefined) return;
      spec.signal.removeEventListener("abort", onAbort);
      reject(new ProcessStartError(spec.command, error.code ?? error.message));
    });
    child.once("exit", (exitCode, exitSignal) => {
      exit = { exitCode, exitSignal };
      // A tool must not leave helpers behind when it finishes, and a helper holding our pipes open
      // would keep the run from ever completing.
      if (!aborted && !isWindows && child.pid !== undefined) signalGroup(child.pid, "SIGTERM");
      finish();
    });
  });
}
