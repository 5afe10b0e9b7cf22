import type { Command } from "commander";

/** The flags every command that calls the server takes. */
export function withConnection(command: Command): Command {
  return command
    .option("--server <url>", "the server (env GARAGESWARM_SERVER; default: the one you logged in to)")
    .option("--key <gs_…>", "authenticate with an API key instead of the stored login (env GARAGESWARM_KEY)");
}
