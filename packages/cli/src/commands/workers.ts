// `garageswarm workers`: the workers you may use, and consent-based sharing (offer, accept, leave). Not to be
// confused with `garageswarm worker`, which runs this machine as a worker.
import {
  type EnrolmentCodeCreated,
  type User,
  type Worker,
  type WorkerMember,
  type WorkerOffer,
  WorkerRole,
  type WorkerShareAnswer,
} from "@garageswarm/protocol";
import { type Command, Option } from "commander";
import { connect } from "../client.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
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
    .option("--json", "print the answer as JSON")
    .action(async (name: string | undefined, flags: Flags & { labels?: string }) => {
      const client = await connect(flags);
      const labels = flags.labels
        ?.split(",")
        .map((label) => label.trim())
        .filter((label) => label !== "");
      const created = await client.request<EnrolmentCodeCreated>("POST", "/api/v1/enrolment-codes", {
        ...(name === undefined ? {} : { name }),
        ...(labels === undefined ? {} : { labels }),
      });
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      console.log(
        `Pairing code ${created.code}, valid until ${created.expires_at}, once. On the machine (Node.js >= 20.19):`,
      );
      console.log(`\n  Linux, macOS:        ${created.install.sh}`);
      console.log(`  Windows PowerShell:  ${created.install.ps1}`);
      console.log(
        "\nAdd --service to install it as a user service, and worker flags after -- (e.g. -- --enable-shell).",
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
