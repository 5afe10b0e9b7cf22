// Runs the prompt as a shell command. Off unless the worker's owner turns it on: a task that can run
// shell commands can do anything the worker's user can.
import type { TaskResult, WorkerTool } from "@garageswarm/protocol";
import { type CliSettings, runCli } from "./cli.ts";
import { ToolRunError, ToolUnavailableError } from "./errors.ts";
import { buildResult } from "./result.ts";
import type { RunContext, Tool, ToolHealth, ToolTask } from "./tool.ts";

const isWindows = process.platform === "win32";

export class ShellTool implements Tool {
  readonly id = "shell" as const;
  private readonly settings: CliSettings;

  constructor(
    settings: Omit<CliSettings, "command">,
    private readonly enabled: boolean,
  ) {
    this.settings = { ...settings, command: isWindows ? (settings.env.ComSpec ?? "cmd.exe") : "/bin/sh" };
  }

  async detect(): Promise<WorkerTool | null> {
    if (!this.enabled) return null;
    return { name: this.id, version: null, models: [], healthy: true, detail: this.settings.command };
  }

  async health(): Promise<ToolHealth> {
    return this.enabled ? { healthy: true } : { healthy: false, detail: "shell is disabled on this worker" };
  }

  async run(task: ToolTask, context: RunContext): Promise<TaskResult> {
    if (!this.enabled) {
      throw new ToolUnavailableError("The shell tool is disabled on this worker; its owner must enable it", this.id);
    }
    const args = isWindows ? ["/d", "/s", "/c", task.prompt] : ["-c", task.prompt];
    let output = "";
    const exit = await runCli({
      tool: this.id,
      settings: this.settings,
      args,
      context,
      outputSoFar: () => output,
      onStdoutLine: (line) => {
        output += `${line}\n`;
        context.onOutput(`${line}\n`, "stdout");
      },
    });
    if (exit.exitCode !== 0) {
      const how = exit.exitCode === null ? `was killed by ${exit.exitSignal}` : `exited with code ${exit.exitCode}`;
      throw new ToolRunError(`The command ${how}`, this.id, output, exit.exitCode, { stderr: exit.stderr });
    }
    return buildResult({ output, exitCode: 0 });
  }
}
