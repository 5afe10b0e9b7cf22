// A repository's setup or check command: `sh -c` in the worktree, with the tools' allow-listed environment,
// killed (its whole process tree) when the task is cancelled or times out. Its output's tail is kept.
import { type CommandResult, MAX_COMMAND_OUTPUT } from "@garageswarm/protocol";
import { runProcess } from "../tools/process.ts";

export interface CommandRun {
  command: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  onLine?(line: string, stream: "stdout" | "stderr"): void;
}

export async function runRepoCommand(run: CommandRun): Promise<CommandResult> {
  const started = Date.now();
  let output = "";
  const exit = await runProcess({
    command: "sh",
    args: ["-c", run.command],
    cwd: run.cwd,
    env: run.env,
    signal: run.signal,
    onLine: (line, stream) => {
      output += `${line}\n`;
      // Keep a bounded tail as it goes: a chatty install must not fill the worker's memory.
      if (output.length > MAX_COMMAND_OUTPUT * 2) output = output.slice(-MAX_COMMAND_OUTPUT);
      run.onLine?.(line, stream);
    },
  });
  return {
    command: run.command,
    exit_code: exit.exitCode,
    output: output.slice(-MAX_COMMAND_OUTPUT),
    duration_ms: Date.now() - started,
    timed_out: false,
  };
}
