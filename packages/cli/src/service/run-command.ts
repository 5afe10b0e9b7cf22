// The service managers (systemctl, journalctl, launchctl, schtasks) are programs on PATH: the only edge this
// folder drives. Their output is captured; `logs` hands them the terminal instead.
import { execFile, spawn } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` and captures what it says; a missing program is an error naming it. */
export function runCommand(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { windowsHide: true, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = (error as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
      if (code === "ENOENT") return reject(new Error(`${command} was not found on PATH`));
      resolve({ code: typeof code === "number" ? code : error ? 1 : 0, stdout, stderr });
    });
  });
}

/** Like runCommand, but a failure is an error quoting what the program said. */
export async function mustRun(command: string, args: readonly string[]): Promise<CommandResult> {
  const result = await runCommand(command, args);
  if (result.code !== 0) {
    const said = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-3).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.code})${said ? `: ${said}` : ""}`);
  }
  return result;
}

/** Runs a program on this terminal (a log follower) and resolves with its exit code. */
export function runAttached(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: "inherit", windowsHide: true });
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "ENOENT" ? new Error(`${command} was not found on PATH`) : error),
    );
    child.once("exit", (code) => resolve(code ?? 1));
  });
}
