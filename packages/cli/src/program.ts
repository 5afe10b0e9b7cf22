// The commands every build of the CLI has: the checkout's (main.ts, which adds the server commands) and
// the single-file worker bundle's (bundle.ts, which leaves the server out).
import { Command, CommanderError } from "commander";
import { CliError } from "./client.ts";
import { registerAdminCommands } from "./commands/admin.ts";
import { registerKeyCommands } from "./commands/keys.ts";
import { registerLoginCommands } from "./commands/login.ts";
import { registerRepoCommands } from "./commands/repos.ts";
import { registerTaskCommands } from "./commands/task.ts";
import { registerWorkerCommand } from "./commands/worker.ts";
import { registerWorkersCommands } from "./commands/workers.ts";
import { registerWorkflowCommands } from "./commands/workflow.ts";
import { CLI_VERSION } from "./version.ts";

export function createProgram(): Command {
  return (
    new Command()
      .name("garageswarm")
      .description("Run your own swarm of AI agents on hardware you already own.")
      .version(CLI_VERSION)
      // Options belong to the command they follow, so `worker enrol --server …` reaches enrol, not `worker`.
      .enablePositionalOptions()
      .showHelpAfterError("(run with --help for usage)")
      .showSuggestionAfterError()
  );
}

/** Everything but the server: the worker, login, tasks, keys, workflows, workers and admin. */
export function registerClientCommands(program: Command): void {
  registerWorkerCommand(program);
  registerLoginCommands(program);
  registerTaskCommands(program);
  registerRepoCommands(program);
  registerKeyCommands(program);
  registerWorkflowCommands(program);
  registerWorkersCommands(program);
  registerAdminCommands(program);
}

/**
 * A reader that stops early (`garageswarm task list | head -1`) closes the pipe: that is the end of the
 * output, not an error, so the CLI exits quietly as other Unix tools do.
 */
export function exitQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(0);
      throw error;
    });
  }
}

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  exitQuietlyOnClosedPipe();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof CliError) {
      console.error(`garageswarm: ${error.message}`);
      process.exit(error.exitCode);
    }
    console.error(`garageswarm: ${(error as Error).message}`);
    process.exit(1);
  }
}
