import { Command, CommanderError } from "commander";
import { registerServerCommands } from "./commands/server.ts";

export function buildProgram(): Command {
  const program = new Command()
    .name("garageswarm")
    .description("Run your own swarm of AI agents on hardware you already own.")
    .version("0.1.0")
    .showHelpAfterError("(run with --help for usage)")
    .showSuggestionAfterError();
  registerServerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    console.error(`garageswarm: ${(error as Error).message}`);
    process.exit(1);
  }
}
