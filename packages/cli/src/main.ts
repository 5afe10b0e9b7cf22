import type { Command } from "commander";
import { registerServerCommands } from "./commands/server.ts";
import { createProgram, registerClientCommands, runProgram } from "./program.ts";

/** The checkout's CLI: the server commands (`up`, `server`) and every client command. */
export function buildProgram(): Command {
  const program = createProgram();
  registerServerCommands(program);
  registerClientCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await runProgram(buildProgram(), argv);
}
