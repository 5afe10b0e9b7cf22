import type { Command } from "commander";
import { CliError, normalizeServer, problemMessage, send } from "../client.ts";
import { readLogin, removeLogin, writeLogin } from "../config.ts";
import { promptLine, promptSecret } from "../prompt.ts";

interface LoginFlags {
  server?: string;
  username?: string;
  password?: string;
}

export function registerLoginCommands(program: Command): void {
  program
    .command("login")
    .description("Sign in to a server and keep the session for later commands")
    .option("--server <url>", "the server, e.g. http://host:8000 (env GARAGESWARM_SERVER)")
    .option("-u, --username <name>", "username or email (asked when missing)")
    .option("--password <password>", "password (env GARAGESWARM_PASSWORD; asked when missing)")
    .addHelpText(
      "after",
      "\nThe session is stored in ~/.garageswarm/cli.json (env GARAGESWARM_CONFIG), readable only by you.",
    )
    .action(async (flags: LoginFlags) => {
      const serverText = flags.server ?? (process.env.GARAGESWARM_SERVER || undefined) ?? (await readLogin())?.server;
      if (!serverText) throw new CliError("give --server URL (or set GARAGESWARM_SERVER)");
      const server = normalizeServer(serverText);
      const username = flags.username ?? (await promptLine("Username: "));
      const password =
        flags.password ?? (process.env.GARAGESWARM_PASSWORD || undefined) ?? (await promptSecret("Password: "));
      if (!username || !password) throw new CliError("username and password are required");
      const answer = await send(server, "POST", "/api/v1/auth/login", { body: { username, password } });
      if (answer.status === 401) throw new CliError("wrong username or password");
      if (answer.status === 404 || answer.status === 405) {
        throw new CliError(
          `${server} has no GarageSwarm login (HTTP ${answer.status} for /api/v1/auth/login): is this a GarageSwarm server?`,
        );
      }
      if (answer.status !== 200) throw new CliError(`login failed: ${problemMessage(answer.status, answer.body)}`);
      const tokens = answer.body as { access_token: string; refresh_token: string };
      const file = await writeLogin({
        server,
        username,
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
      });
      console.log(`Logged in to ${server} as ${username} (session stored in ${file})`);
    });

  program
    .command("logout")
    .description("Sign out and forget the stored session")
    .action(async () => {
      const stored = await readLogin();
      if (!stored) {
        console.log("Not logged in.");
        return;
      }
      // Revoke on the server when it can be reached; forget locally either way.
      await send(stored.server, "POST", "/api/v1/auth/logout", {
        token: stored.access_token,
        body: { refresh_token: stored.refresh_token },
      }).catch(() => undefined);
      await removeLogin();
      console.log(`Logged out of ${stored.server}.`);
    });
}
