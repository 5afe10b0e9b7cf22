// `garageswarm admin`: user accounts and invites, for administrators. The server refuses anyone else (403),
// and its problem detail is printed as is.
import type { AdminUserCreate, Invite, InviteCreated, User } from "@garageswarm/protocol";
import type { Command } from "commander";
import { CliError, connect } from "../client.ts";
import { promptSecret } from "../prompt.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

interface UserCreateFlags extends Flags {
  email: string;
  password?: string;
  admin?: boolean;
}

interface InviteCreateFlags extends Flags {
  email?: string;
  days: string;
}

/** The server's limit on an invite's life (InviteCreate.expires_in_hours: at most 720). */
const maxInviteDays = 30;

export function registerAdminCommands(program: Command): void {
  const admin = program.command("admin").description("Manage user accounts and invites (administrators only)");

  withConnection(admin.command("users").description("List every user"))
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: User[] }>("GET", "/api/v1/admin/users");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["ID", "USERNAME", "EMAIL", "ADMIN", "ACTIVE", "CREATED", "LAST LOGIN"],
        items.map((user) => [
          user.user_id,
          user.username,
          user.email,
          user.is_admin ? "yes" : "no",
          user.is_active ? "yes" : "disabled",
          user.created_at,
          user.last_login_at ?? "-",
        ]),
      );
    });

  const user = admin.command("user").description("Create, disable and re-enable a user account");

  withConnection(
    user.command("create <username>").description("Create a user directly, whatever the registration setting"),
  )
    .requiredOption("--email <email>", "the user's email address")
    .option("--password <password>", "their first password (env GARAGESWARM_NEW_PASSWORD; asked when missing)")
    .option("--admin", "make the user an administrator too")
    .option("--json", "print the created user as JSON")
    .action(async (username: string, flags: UserCreateFlags) => {
      const client = await connect(flags);
      // Asked without echo by default: a password in argv is visible to other users of the machine.
      const password =
        flags.password ??
        (process.env.GARAGESWARM_NEW_PASSWORD || undefined) ??
        (await promptSecret(`Password for ${username}: `));
      if (!password) throw new CliError("a password is required");
      const body: AdminUserCreate = { username, email: flags.email, password, is_admin: flags.admin ?? false };
      const created = await client.request<User>("POST", "/api/v1/admin/users", body);
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      console.log(`Created ${created.is_admin ? "administrator" : "user"} ${created.username} (${created.user_id}).`);
    });

  for (const [action, active] of [
    ["disable", false],
    ["enable", true],
  ] as const) {
    withConnection(
      user
        .command(`${action} <user_id>`)
        .description(
          active
            ? "Re-enable a user: their API keys work again; they sign in anew"
            : "Disable a user at once: sessions, API keys and sockets stop working, their workers go offline",
        ),
    )
      .option("--json", "print the user as JSON")
      .action(async (userId: string, flags: Flags) => {
        const client = await connect(flags);
        const changed = await client.request<User>(
          "POST",
          `/api/v1/admin/users/${encodeURIComponent(userId)}/${action}`,
        );
        if (flags.json) return console.log(JSON.stringify(changed, null, 2));
        console.log(`${active ? "Enabled" : "Disabled"} ${changed.username} (${changed.user_id}).`);
      });
  }

  const invite = admin.command("invite").description("Create and revoke single-use sign-up invites");

  withConnection(invite.command("create").description("Create a single-use invite; its link is shown only now"))
    .option("--email <email>", "only this email address may use the invite")
    .option("--days <n>", `days until the invite expires, 1..${maxInviteDays}`, "7")
    .option("--json", "print the answer (with its token) as JSON")
    .action(async (flags: InviteCreateFlags) => {
      const days = Number(flags.days);
      if (!Number.isInteger(days) || days < 1 || days > maxInviteDays) {
        throw new CliError(`--days must be a whole number from 1 to ${maxInviteDays}, got "${flags.days}"`);
      }
      const client = await connect(flags);
      const created = await client.request<InviteCreated>("POST", "/api/v1/admin/invites", {
        email: flags.email,
        expires_in_hours: days * 24,
      });
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      // The dashboard is served by the server itself, so its register page is on the same origin.
      console.log(`${client.server}/register?invite=${encodeURIComponent(created.token)}`);
      console.error(
        `Created invite ${created.invite_id}${created.email ? ` for ${created.email}` : ""}, expires ${created.expires_at}. ` +
          "Send the link now: it is not shown again.",
      );
    });

  withConnection(admin.command("invites").description("List invites, newest first (their links are not shown again)"))
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: Invite[] }>("GET", "/api/v1/admin/invites");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["ID", "EMAIL", "STATUS", "CREATED", "EXPIRES", "USED BY"],
        items.map((item) => [
          item.invite_id,
          item.email ?? "(anyone)",
          item.status,
          item.created_at,
          item.expires_at,
          item.used_by_user_id ?? "-",
        ]),
      );
    });

  withConnection(
    invite.command("revoke <invite_id>").description("Revoke an unused invite; its link stops working"),
  ).action(async (inviteId: string, flags: Flags) => {
    const client = await connect(flags);
    await client.request("DELETE", `/api/v1/admin/invites/${encodeURIComponent(inviteId)}`);
    console.log(`Revoked invite ${inviteId}.`);
  });
}
