import { type ApiKey, type ApiKeyCreated, ApiKeyScope } from "@garageswarm/protocol";
import { type Command, Option } from "commander";
import { connect } from "../client.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
  scope?: string;
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("API keys for workers and scripts (shown once, at creation)");

  withConnection(keys.command("create <name>").description("Create an API key; its secret is shown only now"))
    .addOption(
      new Option(
        "--scope <scope>",
        "worker: register, pull and report only (for a worker machine); full: everything you may do",
      )
        .choices(ApiKeyScope.options)
        .default("full"),
    )
    .option("--json", "print the answer as JSON")
    .action(async (name: string, flags: Flags) => {
      const client = await connect(flags);
      const created = await client.request<ApiKeyCreated>("POST", "/api/v1/keys", { name, scope: flags.scope });
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      console.log(created.key);
      console.error(
        `Created ${created.scope} key "${created.name}" (${created.key_id}). Store it now: it is not shown again.`,
      );
    });

  withConnection(keys.command("list").description("List your API keys"))
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: ApiKey[] }>("GET", "/api/v1/keys");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["ID", "NAME", "SCOPE", "PREFIX", "CREATED", "LAST USED", "REVOKED"],
        items.map((key) => [
          key.key_id,
          key.name,
          key.scope,
          key.prefix,
          key.created_at,
          key.last_used_at ?? "-",
          key.revoked_at ?? "-",
        ]),
      );
    });

  withConnection(
    keys
      .command("revoke <key_id>")
      .description("Revoke an API key and the keys made with it; workers using them are refused"),
  ).action(async (keyId: string, flags: Flags) => {
    const client = await connect(flags);
    await client.request("DELETE", `/api/v1/keys/${encodeURIComponent(keyId)}`);
    console.log(`Revoked key ${keyId}.`);
  });
}
