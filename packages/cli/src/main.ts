import { Command, CommanderError } from "commander";
import { CliError } from "./client.ts";
import { registerAdminCommands } from "./commands/admin.ts";
import { registerKeyCommands } from "./commands/keys.ts";
import { registerLoginCommands } from "./commands/login.ts";
import { registerServerCommands } from "./commands/server.ts";
import { registerTaskCommands } from "./commands/task.ts";
import { registerWorkerCommand } from "./commands/worker.ts";
import { registerWorkersCommands } from "./commands/workers.ts";
import { registerWorkflowCommands } from "./commands/workflow.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("garageswarm")
    .description("Run your own swarm of AI agents on hardware you already own.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError();
  registerServerCommands(program);
  registerWorkerCommand(program);
  registerLoginCommands(program);
  registerTaskCommands(program);
  registerKeyCommands(program);
  registerWorkflowCommands(program);
  registerWorkersCommands(program);
  registerAdminCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
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
