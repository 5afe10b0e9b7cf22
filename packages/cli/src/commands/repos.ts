// `garageswarm repos list|add|remove`: the repositories saved for code tasks (`task create --repo <name>`).
import type { SavedRepo } from "@garageswarm/protocol";
import type { Command } from "commander";
import { CliError, connect } from "../client.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

export function registerRepoCommands(program: Command): void {
  const repos = program
    .command("repos")
    .description("Repositories saved for code tasks: URL, default ref, setup and check commands");

  withConnection(repos.command("list").description("List your saved repositories"))
    .option("--json", "print them as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: SavedRepo[] }>("GET", "/api/v1/repos");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["NAME", "URL", "REF", "SETUP", "CHECK", "PUSH"],
        items.map((repo) => [
          repo.name,
          repo.url,
          repo.default_ref ?? "(remote HEAD)",
          repo.setup ?? "-",
          repo.check ?? "-",
          repo.push ? "yes" : "no",
        ]),
      );
    });

  withConnection(repos.command("add <name> <url>").description("Save a repository under a name"))
    .option("--ref <ref>", "the branch, tag or commit tasks start from (default: the remote's HEAD)")
    .option("--setup <command>", "run in the worktree before the agent (e.g. npm ci)")
    .option("--check <command>", "run after the agent; its exit code is reported (e.g. npm test)")
    .option("--push", "push task branches to the repository's remote")
    .option("--json", "print the saved repository as JSON")
    .addHelpText(
      "after",
      "\nThe URL carries no credentials: each worker fetches with its own git setup (ssh agent, credential helper).\n\nExample:\n  garageswarm repos add app git@github.com:me/app.git --setup 'npm ci' --check 'npm test'",
    )
    .action(
      async (
        name: string,
        url: string,
        flags: Flags & { ref?: string; setup?: string; check?: string; push?: boolean },
      ) => {
        const client = await connect(flags);
        const saved = await client.request<SavedRepo>("POST", "/api/v1/repos", {
          name,
          url,
          ...(flags.ref ? { default_ref: flags.ref } : {}),
          ...(flags.setup ? { setup: flags.setup } : {}),
          ...(flags.check ? { check: flags.check } : {}),
          push: flags.push === true,
        });
        if (flags.json) return console.log(JSON.stringify(saved, null, 2));
        console.log(saved.repo_id);
        console.error(`Saved. Use it with: garageswarm task create "…" --tool claude_code --repo ${saved.name}`);
      },
    );

  withConnection(repos.command("remove <name>").description("Forget a saved repository")).action(
    async (name: string, flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: SavedRepo[] }>("GET", "/api/v1/repos");
      const found = items.find((repo) => repo.name === name || repo.repo_id === name);
      if (!found) throw new CliError(`no saved repository named ${name}`);
      await client.request("DELETE", `/api/v1/repos/${found.repo_id}`);
      console.log(`Removed ${found.name}.`);
    },
  );
}
