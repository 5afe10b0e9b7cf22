// `garageswarm task diff|patch|comment|request-changes|accept|revisions`: reviewing what a code task changed,
// from the terminal, as the dashboard's review does.
import type { AcceptedChange, ReviewComment, Task } from "@garageswarm/protocol";
import type { Command } from "commander";
import { CliError, connect } from "../client.ts";
import { printTable } from "../table.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

const taskPath = (id: string, rest = "") => `/api/v1/tasks/${encodeURIComponent(id)}${rest}`;

export function registerCodeReviewCommands(task: Command): void {
  withConnection(task.command("diff <id>").description("Show what a code task changed: branch, files, check result"))
    .option("--json", "print the change as JSON")
    .action(async (id: string, flags: Flags) => {
      const client = await connect(flags);
      const found = await client.request<Task>("GET", taskPath(id));
      const code = found.result?.code;
      if (!code) throw new CliError(noChange(found));
      if (flags.json) return console.log(JSON.stringify(code, null, 2));
      printChange(found);
    });

  withConnection(
    task.command("patch <id>").description("Print the change a code task made, as a patch for `git apply`"),
  ).action(async (id: string, flags: Flags) => {
    const client = await connect(flags);
    const patch = await client.request<string>("GET", taskPath(id, "/patch"));
    process.stdout.write(typeof patch === "string" ? patch : JSON.stringify(patch));
  });

  withConnection(
    task
      .command("comment <id> <text...>")
      .description("Add a review comment (a draft, sent with request-changes): on a line, a file, or the whole change"),
  )
    .option("--file <path>", "the file the comment is about")
    .option("--line <n>", "the line in the new file (with --file)")
    .option("--old", "the line number is in the old file")
    .option("--json", "print the comment as JSON")
    .action(async (id: string, words: string[], flags: Flags & { file?: string; line?: string; old?: boolean }) => {
      const client = await connect(flags);
      const body: Record<string, unknown> = { body: words.join(" ") };
      if (flags.file) body.path = flags.file;
      if (flags.line !== undefined) {
        const line = Number(flags.line);
        if (!Number.isInteger(line) || line < 1) throw new CliError("--line must be a positive whole number");
        body.line = line;
      }
      if (flags.old) body.side = "old";
      const comment = await client.request<ReviewComment>("POST", taskPath(id, "/comments"), body);
      if (flags.json) return console.log(JSON.stringify(comment, null, 2));
      console.log(comment.comment_id);
      console.error(`Draft comment added. Send the drafts with: garageswarm task request-changes ${id}`);
    });

  withConnection(
    task
      .command("request-changes <id>")
      .description("Send the draft comments back to the agent: a follow-up task makes the next revision"),
  )
    .option("-m, --message <text>", "what to say about the whole change")
    .option("--json", "print the follow-up task as JSON")
    .action(async (id: string, flags: Flags & { message?: string }) => {
      const client = await connect(flags);
      const body = flags.message ? { message: flags.message } : {};
      const followUp = await client.request<Task>("POST", taskPath(id, "/request-changes"), body);
      if (flags.json) return console.log(JSON.stringify(followUp, null, 2));
      console.log(followUp.task_id);
      const where = followUp.pinned_worker_id
        ? "on the same worker, resuming the agent's session"
        : "on any worker, in a fresh session from the stored change";
      console.error(
        `Revision ${followUp.revision} queued ${where}. Follow it with: garageswarm task logs ${followUp.task_id} --follow`,
      );
    });

  withConnection(task.command("accept <id>").description("Accept a code task's revision and print how to take it"))
    .option("--pull-request", "also open a pull request on the forge (the branch must have been pushed)")
    .option("--json", "print the answer as JSON")
    .action(async (id: string, flags: Flags & { pullRequest?: boolean }) => {
      const client = await connect(flags);
      const accepted = await client.request<AcceptedChange>("POST", taskPath(id, "/accept"), {
        open_pull_request: flags.pullRequest === true,
      });
      if (flags.json) return console.log(JSON.stringify(accepted, null, 2));
      if (accepted.pull_request) {
        console.log(`Accepted; pull request #${accepted.pull_request.number}: ${accepted.pull_request.url}`);
        return;
      }
      console.log("Accepted. Take the change into your checkout with:");
      console.log(`  ${accepted.apply_command}`);
      if (accepted.merge_command) console.log(`or merge the pushed branch:\n  ${accepted.merge_command}`);
    });

  withConnection(task.command("revisions <id>").description("List the revisions of a code task's review"))
    .option("--json", "print the tasks as JSON")
    .action(async (id: string, flags: Flags) => {
      const client = await connect(flags);
      const { items } = await client.request<{ items: Task[] }>("GET", taskPath(id, "/revisions"));
      if (flags.json) return console.log(JSON.stringify(items, null, 2));
      printTable(
        ["REVISION", "TASK", "STATUS", "REVIEW", "HEAD", "FILES"],
        items.map((one) => [
          String(one.revision ?? "-"),
          one.task_id,
          one.status,
          one.review_state ?? "-",
          one.result?.code?.head_sha.slice(0, 10) ?? "-",
          one.result?.code
            ? `${one.result.code.files.length} (+${one.result.code.additions} −${one.result.code.deletions})`
            : "-",
        ]),
      );
    });
}

function noChange(task: Task): string {
  if (!task.repo) return `task ${task.task_id} is not a code task (it names no repository)`;
  return `task ${task.task_id} is ${task.status} and has reported no change yet`;
}

/** The change's summary: the rows `task get` shows too, then one line per file. */
export function changeRows(task: Task): Array<[string, string]> {
  const code = task.result?.code;
  const rows: Array<[string, string]> = [];
  if (task.repo) rows.push(["repository", task.repo.ref ? `${task.repo.url} (${task.repo.ref})` : task.repo.url]);
  if (task.revision !== null) rows.push(["revision", `${task.revision} (${task.review_state ?? "-"})`]);
  if (!code) return rows;
  rows.push(["branch", `${code.branch}${code.pushed ? " (pushed)" : ""}`]);
  rows.push(["commits", `${code.base_sha.slice(0, 10)}..${code.head_sha.slice(0, 10)}, ${code.ahead} ahead`]);
  if (code.behind)
    rows.push(["base moved", `${code.behind} commit(s) behind ${code.base_ref ?? "the default branch"}`]);
  rows.push(["changed", `${code.files.length} file(s), +${code.additions} −${code.deletions}`]);
  if (code.setup) rows.push(["setup", commandText(code.setup)]);
  if (code.check) rows.push(["check", commandText(code.check)]);
  return rows;
}

function commandText(command: { command: string; exit_code: number | null; timed_out: boolean }): string {
  const outcome = command.timed_out
    ? "timed out"
    : command.exit_code === 0
      ? "passed"
      : `failed (exit ${command.exit_code ?? "killed"})`;
  return `${command.command}: ${outcome}`;
}

function printChange(task: Task): void {
  const rows = changeRows(task);
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  const code = task.result?.code;
  if (!code) return;
  console.log("");
  for (const file of code.files) {
    const path = file.old_path && file.old_path !== file.path ? `${file.old_path} → ${file.path}` : file.path;
    const counts = file.binary ? "binary" : `+${file.additions} −${file.deletions}`;
    console.log(`  ${file.status.padEnd(9)} ${path}  ${counts}`);
  }
  if (code.check && code.check.exit_code !== 0) {
    console.log("\n--- check output (tail) ---");
    process.stdout.write(code.check.output.endsWith("\n") ? code.check.output : `${code.check.output}\n`);
  }
}
