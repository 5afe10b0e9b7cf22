// `garageswarm workers`: the workers you may use, and consent-based sharing (offer, accept, leave). Not to be
// confused with `garageswarm worker`, which runs this machine as a worker.
import {
  type ApiKeyCreated,
  type EnrolmentCodeCreated,
  type ServerAddresses,
  type User,
  type Worker,
  type WorkerMember,
  type WorkerOffer,
  WorkerRole,
  type WorkerShareAnswer,
} from "@garageswarm/protocol";
import { type Command, Option } from "commander";
import { type Client, connect, normalizeServer } from "../client.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

interface AddFlags extends Flags {
  labels?: string;
  withKey?: boolean;
  address?: string;
  wait?: boolean;
}

interface ShareFlags extends Flags {
  role: WorkerRole;
}

export function registerWorkersCommands(program: Command): void {
  const workers = program
    .command("workers")
    .description("Your workers and those shared with you; share a worker with another user (they must accept)");

  withConnection(
    workers.command("list").description("List your workers and the workers shared with you that you accepted"),
  )
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: Worker[] }>("GET", "/api/v1/workers");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["ID", "MACHINE", "OWNER", "STATUS", "TOOLS", "MY ROLE"],
        items.map((worker) => [
          worker.worker_id,
          worker.machine_name,
          worker.owner_username,
          worker.draining ? `${worker.status} (draining)` : worker.status,
          toolList(worker.tools),
          worker.role,
        ]),
      );
    });

  withConnection(
    workers
      .command("add [name]")
      .description("Enrol another machine: a pairing code (10 minutes, once) and the line to paste on it, per OS"),
  )
    .option("--labels <a,b>", "labels the worker gets, comma-separated")
    .option(
      "--with-key",
      "instead of a pairing code, make a worker key and show the command for a machine with a checkout of GarageSwarm",
    )
    .option("--address <url>", "the server's address as the other machine reaches it (default: a network address)")
    .option("--wait", "wait until the new worker connects, then say so")
    .option("--json", "print the answer as JSON")
    .addHelpText(
      "after",
      "\nWhen you are connected to this server at a loopback address (localhost, 127.0.0.1), the lines use one of\nthe server's network addresses instead, and say so.",
    )
    .action(async (name: string | undefined, flags: AddFlags) => {
      const client = await connect(flags);
      const labels = flags.labels
        ?.split(",")
        .map((label) => label.trim())
        .filter((label) => label !== "");
      const before = await workerStatuses(client);
      const origin = await reachableOrigin(client, flags.address);
      if (flags.withKey) {
        const key = await client.request<ApiKeyCreated>("POST", "/api/v1/keys", {
          name: `worker: ${name ?? "worker"}`,
          scope: "worker",
        });
        if (flags.json) console.log(JSON.stringify(key, null, 2));
        else {
          const commands = workerCommandLines(origin.use, key.key, name ?? "", labels ?? []);
          console.log("On the machine, in a checkout of GarageSwarm (npm install once):");
          console.log(`\n  Linux, macOS:        ${commands.sh}`);
          console.log(`  Windows PowerShell:  ${commands.ps1}`);
          console.log(
            `\nThe key travels in GARAGESWARM_KEY, so it does not show in ps. It is shown only now; revoke it with: garageswarm keys revoke ${key.key_id}`,
          );
        }
      } else {
        const created = await client.request<EnrolmentCodeCreated>("POST", "/api/v1/enrolment-codes", {
          ...(name === undefined ? {} : { name }),
          ...(labels === undefined ? {} : { labels }),
        });
        const install = {
          sh: created.install.sh.replaceAll(origin.given, origin.use),
          ps1: created.install.ps1.replaceAll(origin.given, origin.use),
        };
        if (flags.json)
          console.log(JSON.stringify({ ...created, install: { ...created.install, ...install } }, null, 2));
        else {
          console.log(
            `Pairing code ${created.code}, valid until ${created.expires_at}, once. On the machine (Node.js >= 20.19):`,
          );
          console.log(`\n  Linux, macOS:        ${install.sh}`);
          console.log(`  Windows PowerShell:  ${install.ps1}`);
          console.log(
            "\nAdd --service to install it as a user service, and worker flags after -- (e.g. -- --enable-shell).",
          );
        }
      }
      if (origin.warning) console.error(origin.warning);
      if (!flags.wait) return;
      console.error("Waiting for the worker to connect (Ctrl-C to stop waiting)…");
      const worker = await waitForNewWorker(client, before, name ?? "");
      console.error(
        `✓ ${worker.machine_name} connected — send it a task: garageswarm task create "…" --tool ${worker.tools[0]?.name ?? "<tool>"} --worker ${worker.worker_id}`,
      );
    });

  withConnection(
    workers
      .command("share <worker_id> <username>")
      .description("Offer a user a role on your worker; it grants nothing until they accept (owner only)"),
  )
    .addOption(
      new Option(
        "--role <role>",
        "operator: runs their tasks; viewer: sees it only; owner: also acts as it, shares and removes it",
      )
        .choices(WorkerRole.options)
        .default("operator"),
    )
    .option("--json", "print the answer as JSON")
    .addHelpText(
      "after",
      "\nThe answer is the same whether or not the user exists, so sharing cannot reveal who has an account." +
        "\nNarrowing an accepted member's role (operator to viewer) applies at once; widening it is a new offer.",
    )
    .action(async (workerId: string, username: string, flags: ShareFlags) => {
      const client = await connect(flags);
      const answer = await client.request<WorkerShareAnswer>("POST", `${workerPath(workerId)}/share`, {
        username,
        role: flags.role,
      });
      if (flags.json) return console.log(JSON.stringify(answer, null, 2));
      if (answer.status === "accepted") console.log(`${username} is now ${flags.role} on worker ${workerId}.`);
      else {
        console.log(
          `Offer sent to ${username} (${flags.role}) if that user exists; they appear among the members once they accept.`,
        );
      }
    });

  withConnection(
    workers
      .command("offers")
      .description("List workers offered to you; nothing of yours runs on them until you accept"),
  )
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: WorkerOffer[] }>("GET", "/api/v1/workers/offers");
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["WORKER", "MACHINE", "OWNER", "ROLE", "TOOLS", "OFFERED BY", "OFFERED"],
        items.map((offer) => [
          offer.worker_id,
          offer.machine_name,
          offer.owner_username,
          offer.role,
          toolList(offer.tools),
          offer.offered_by_username ?? "(deleted user)",
          offer.offered_at,
        ]),
      );
    });

  withConnection(
    workers
      .command("accept <worker_id>")
      .description("Accept a worker offered to you: from now on it may run your tasks (per the role offered)"),
  )
    .option("--json", "print the worker as JSON")
    .addHelpText(
      "after",
      "\nWhoever runs a task on a machine can read its prompt and write its result: accept only from people you trust.",
    )
    .action(async (workerId: string, flags: Flags) => {
      const client = await connect(flags);
      const worker = await client.request<Worker>("POST", `${workerPath(workerId)}/share/accept`);
      if (flags.json) return console.log(JSON.stringify(worker, null, 2));
      console.log(`Accepted: you are ${worker.role} on ${worker.machine_name} (${worker.owner_username}'s machine).`);
    });

  withConnection(workers.command("decline <worker_id>").description("Decline a worker offered to you")).action(
    async (workerId: string, flags: Flags) => {
      const client = await connect(flags);
      await client.request("POST", `${workerPath(workerId)}/share/decline`);
      console.log(`Declined the offer of worker ${workerId}.`);
    },
  );

  withConnection(
    workers
      .command("leave <worker_id>")
      .description("Stop using a worker shared with you; your tasks it holds go back to the queue"),
  ).action(async (workerId: string, flags: Flags) => {
    const client = await connect(flags);
    // The share is addressed by member id; a key or a login knows only its credential, so ask who that is.
    const me = await client.request<User>("GET", "/api/v1/auth/me");
    await client.request("DELETE", `${workerPath(workerId)}/share/${encodeURIComponent(me.user_id)}`);
    console.log(`Left worker ${workerId}.`);
  });

  withConnection(
    workers
      .command("unshare <worker_id> <user_id>")
      .description(
        "Remove a member from your worker or withdraw a pending offer (owner only); their tasks it holds go back to the queue",
      ),
  ).action(async (workerId: string, userId: string, flags: Flags) => {
    const client = await connect(flags);
    await client.request("DELETE", `${workerPath(workerId)}/share/${encodeURIComponent(userId)}`);
    console.log(`Removed user ${userId} from worker ${workerId} (or withdrew the offer to them).`);
  });

  withConnection(
    workers
      .command("members <worker_id>")
      .description("List who may use a worker, and how (members who accepted; pending offers are not listed)"),
  )
    .option("--json", "print the answer as JSON")
    .action(async (workerId: string, flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: WorkerMember[] }>("GET", `${workerPath(workerId)}/share`);
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["USER ID", "USERNAME", "ROLE", "ACCEPTED"],
        items.map((member) => [member.user_id, member.username, member.role, member.accepted_at ?? "-"]),
      );
    });
}

function workerPath(workerId: string): string {
  return `/api/v1/workers/${encodeURIComponent(workerId)}`;
}

/** Tool names; an unhealthy one (it takes no tasks now) is marked. */
function toolList(tools: Worker["tools"]): string {
  return tools.map((tool) => (tool.healthy ? tool.name : `${tool.name}(unhealthy)`)).join(",") || "-";
}

/** The origin to put in the lines (`use`), the one the server filled in (`given`), and a warning when they differ. */
async function reachableOrigin(
  client: Client,
  address: string | undefined,
): Promise<{ given: string; use: string; warning: string | null }> {
  const addresses = await client.request<ServerAddresses>("GET", "/api/v1/server-addresses");
  if (address) return { given: addresses.origin, use: normalizeServer(address), warning: null };
  if (!addresses.loopback) return { given: addresses.origin, use: addresses.origin, warning: null };
  if (addresses.loopback_only) {
    return {
      given: addresses.origin,
      use: addresses.origin,
      warning: `Note: the server listens on its own machine only (${addresses.origin}); restart it with --host 0.0.0.0 to add other machines.`,
    };
  }
  const [first, ...others] = addresses.lan_origins;
  if (!first) {
    return {
      given: addresses.origin,
      use: addresses.origin,
      warning: `Note: ${addresses.origin} works on the server's machine only, and the server has no network address; give --address URL.`,
    };
  }
  const also = others.length > 0 ? ` (also: ${others.join(", ")}; choose with --address)` : "";
  return {
    given: addresses.origin,
    use: first,
    warning: `Note: ${addresses.origin} works on the server's machine only, so the lines use ${first}${also}.`,
  };
}

/** The worker command for a checkout, the key in the environment (not in `ps`), per shell. */
function workerCommandLines(origin: string, key: string, name: string, labels: string[]): { sh: string; ps1: string } {
  const word = (text: string, shell: "sh" | "ps1") =>
    /^[A-Za-z0-9._@%+=:,/-]+$/.test(text)
      ? text
      : shell === "sh"
        ? `'${text.replaceAll("'", `'\\''`)}'`
        : `'${text.replaceAll("'", "''")}'`;
  const flags = (shell: "sh" | "ps1") =>
    [
      `--server ${origin}`,
      name ? `--name ${word(name, shell)}` : "",
      labels.length > 0 ? `--labels ${word(labels.join(","), shell)}` : "",
    ]
      .filter(Boolean)
      .join(" ");
  return {
    sh: `GARAGESWARM_KEY=${key} npx garageswarm worker ${flags("sh")}`,
    ps1: `$env:GARAGESWARM_KEY='${key}'; npx garageswarm worker ${flags("ps1")}`,
  };
}

async function workerStatuses(client: Client): Promise<Map<string, Worker["status"]>> {
  const { items } = await client.request<{ items: Worker[] }>("GET", "/api/v1/workers");
  return new Map(items.map((worker) => [worker.worker_id, worker.status]));
}

/** Polls until a worker not seen before (or one offline before, of that name) is online. */
async function waitForNewWorker(client: Client, before: Map<string, Worker["status"]>, name: string): Promise<Worker> {
  for (;;) {
    const { items } = await client.request<{ items: Worker[] }>("GET", "/api/v1/workers");
    const connected = items.find((worker) => {
      if (worker.status !== "online") return false;
      const then = before.get(worker.worker_id);
      return then === undefined || (then === "offline" && name !== "" && worker.machine_name === name);
    });
    if (connected) return connected;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}
