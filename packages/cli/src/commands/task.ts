import { readFile } from "node:fs/promises";
import type { SavedRepo, StoredOutputChunk, Task, TaskAttempt, WaitingReason } from "@garageswarm/protocol";
import { type Command, Option } from "commander";
import { CliError, connect } from "../client.ts";
import { followTask } from "../follow.ts";
import { printTable } from "../table.ts";
import { attemptSummary, outputWriter } from "../task-output.ts";
import { workerNames } from "../worker-names.ts";
import { changeRows, registerCodeReviewCommands } from "./code-review.ts";
import { withConnection } from "./connection.ts";

const toolIds = [
  "claude_code",
  "gemini_cli",
  "codex_cli",
  "ollama",
  "anthropic",
  "gemini_api",
  "openai_compatible",
  "shell",
];

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

interface CreateFlags extends Flags {
  tool: string;
  onLimit?: string;
  model?: string;
  prompt?: string;
  priority?: string;
  timeout?: string;
  maxAttempts?: string;
  labels?: string;
  worker?: string;
  option?: string[];
  wait?: boolean;
  repo?: string;
  ref?: string;
  setup?: string;
  check?: string;
  push?: boolean;
}

export function registerTaskCommands(program: Command): void {
  const task = program.command("task").description("Create, inspect, follow and cancel tasks");

  withConnection(
    task
      .command("create <description...>")
      .description("Create a task; it is queued at once and runs on the best worker for it"),
  )
    .addOption(
      new Option(
        "--tool <tools>",
        `the AI tool to run: one of ${toolIds.join(", ")}; a comma list in order of preference (the first one a worker can run now wins); or "any" (every text tool)`,
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        "--on-limit <policy>",
        "when the tool hits a usage limit: wait for the reset, or fail over to the next tool",
      )
        .choices(["wait", "failover"])
        .default("wait"),
    )
    .option("--model <model>", "the model to use (default: the tool's; only with a single tool)")
    .option("--prompt <text>", "what the tool is given, when it differs from the description")
    .option("--priority <n>", "-100..100, higher runs first (default 0)")
    .option("--timeout <seconds>", "how long one attempt may run (default 1800)")
    .option("--max-attempts <n>", "attempts before the task fails (default 3)")
    .option("--labels <a,b>", "only workers carrying every one of these labels")
    .option("--worker <id>", "pin the task to this worker")
    .option("--option <key=value>", "a tool option (repeatable), e.g. --option max_turns=5", collect, [])
    .option(
      "--repo <url-or-name>",
      "a code task: work in a git worktree of this repository (a URL git can fetch, or the name of a saved repository)",
    )
    .option("--ref <ref>", "the branch, tag or commit to start from (default: the saved one, or the remote's HEAD)")
    .option("--setup <command>", "a shell command run in the worktree before the agent (e.g. npm ci)")
    .option("--check <command>", "a shell command run after the agent; its exit code is reported (e.g. npm test)")
    .option("--push", "push the task's branch to the repository's remote")
    .option(
      "--wait",
      "follow the task until it ends, showing its output (and why it waits, while it does); exit 1 unless it completed",
    )
    .option("--json", "print the created task as JSON")
    .addHelpText(
      "after",
      '\nExamples:\n  garageswarm task create "Summarize README.md" --tool ollama --model llama3.2 --wait\n  garageswarm task create "Fix the failing test" --tool claude_code,codex_cli --on-limit failover\n  garageswarm task create "Add a --verbose flag" --tool claude_code --repo git@github.com:me/app.git --check "npm test" --wait',
    )
    .action(async (words: string[], flags: CreateFlags) => {
      const client = await connect(flags);
      const body: Record<string, unknown> = { description: words.join(" "), tool: parseTools(flags.tool) };
      if (flags.onLimit) body.on_limit = flags.onLimit;
      if (flags.model) body.model = flags.model;
      if (flags.prompt) body.prompt = flags.prompt;
      if (flags.priority !== undefined) body.priority = integer(flags.priority, "--priority");
      if (flags.timeout !== undefined) body.timeout_seconds = integer(flags.timeout, "--timeout");
      if (flags.maxAttempts !== undefined) body.max_attempts = integer(flags.maxAttempts, "--max-attempts");
      if (flags.labels) body.requirements = { labels: flags.labels.split(",").map((label) => label.trim()) };
      if (flags.worker) body.worker_id = flags.worker;
      if (flags.option && flags.option.length > 0) body.options = parseOptions(flags.option);
      if (flags.repo) body.repo = await repoOf(client, flags);
      else if (flags.ref || flags.setup || flags.check || flags.push) {
        throw new CliError("--ref, --setup, --check and --push need --repo");
      }
      const created = await client.request<Task>("POST", "/api/v1/tasks", body);
      if (flags.json && !flags.wait) return console.log(JSON.stringify(created, null, 2));
      if (!flags.wait) {
        console.log(created.task_id);
        console.error(`Queued. Follow it with: garageswarm task logs ${created.task_id} --follow`);
        return;
      }
      console.error(`Task ${created.task_id} queued; waiting for it…`);
      const ended = await follow(client, created.task_id, false, reportWaiting());
      if (flags.json) console.log(JSON.stringify(ended, null, 2));
      else console.error(summaryLine(ended));
      if (!flags.json && ended.result?.code) {
        console.error(`Review it with: garageswarm task diff ${ended.task_id}  (or in the dashboard)`);
      }
      if (ended.status !== "completed") process.exitCode = 1;
    });

  withConnection(
    task
      .command("create-batch <file>")
      .description(
        `Create the tasks of a JSON Lines file ("-": standard input), one task body of the API per line; up to ${TASKS_PER_REQUEST} per request, each request all or none`,
      ),
  )
    .option("--json", "print the created tasks as JSON")
    .addHelpText(
      "after",
      '\nA line is what POST /api/v1/tasks takes, e.g.\n  {"description": "Summarize README.md", "tool": "ollama", "model": "llama3.2"}\nBlank lines are skipped. Prints the new task ids, one a line, in the order of the file.',
    )
    .action(async (file: string, flags: Flags) => {
      const lines = await readTaskLines(file);
      if (lines.length === 0) throw new CliError(`${file} holds no task`);
      const client = await connect(flags);
      const created: Task[] = [];
      for (let start = 0; start < lines.length; start += TASKS_PER_REQUEST) {
        const batch = lines.slice(start, start + TASKS_PER_REQUEST);
        try {
          created.push(
            ...(await client.request<Task[]>(
              "POST",
              "/api/v1/tasks",
              batch.map((line) => line.body),
            )),
          );
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          // The server names an item by its place in the request (body[3].prompt): say which line it is.
          const message = error.message.replace(
            /body\[(\d+)\]\.?/g,
            (_, index: string) => `line ${batch[Number(index)]?.number ?? "?"}: `,
          );
          const before =
            created.length > 0 ? `; the ${created.length} tasks before line ${batch[0]?.number} were created` : "";
          throw new CliError(
            `${message} (nothing from lines ${batch[0]?.number}–${batch.at(-1)?.number} was created${before})`,
          );
        }
      }
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      for (const one of created) console.log(one.task_id);
      console.error(`Queued ${created.length} tasks.`);
    });

  withConnection(task.command("list").description("List your tasks, newest first"))
    .option("--status <status>", "only tasks in this status")
    .option("--limit <n>", "how many (default 50)")
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags & { status?: string; limit?: string }) => {
      const client = await connect(flags);
      const query = new URLSearchParams();
      if (flags.status) query.set("status", flags.status);
      if (flags.limit) query.set("limit", String(integer(flags.limit, "--limit")));
      const page = await client.request<{ items: Task[] }>("GET", `/api/v1/tasks${query.size ? `?${query}` : ""}`);
      if (flags.json) return console.log(JSON.stringify(page.items, null, 2));
      const nameOf = await workerNames(client);
      printTable(
        ["ID", "STATUS", "TOOL", "WORKER", "ATTEMPT", "CREATED", "DESCRIPTION"],
        page.items.map((item) => [
          item.task_id,
          item.status,
          item.tool,
          nameOf(item.worker_id),
          String(item.attempt),
          item.created_at,
          oneLine(item.description, 60),
        ]),
      );
    });

  registerCodeReviewCommands(task);

  withConnection(task.command("get <id>").description("Show a task: status, worker, usage, result"))
    .option("--json", "print the task as JSON")
    .action(async (id: string, flags: Flags) => {
      const client = await connect(flags);
      const path = `/api/v1/tasks/${encodeURIComponent(id)}`;
      const found = await client.request<Task>("GET", path);
      if (flags.json) return console.log(JSON.stringify(found, null, 2));
      const [nameOf, attempts] = await Promise.all([
        workerNames(client),
        client.request<TaskAttempt[]>("GET", `${path}/attempts`),
      ]);
      printTask(found, nameOf, attempts);
    });

  withConnection(task.command("cancel <id>").description("Cancel a task; a worker running it is told to stop")).action(
    async (id: string, flags: Flags) => {
      const client = await connect(flags);
      const cancelled = await client.request<Task>("POST", `/api/v1/tasks/${encodeURIComponent(id)}/cancel`);
      console.log(`Task ${cancelled.task_id} is ${cancelled.status}.`);
    },
  );

  withConnection(
    task
      .command("logs <id>")
      .description(
        "Show a task's output, attempt by attempt: the agent's text on stdout, its tool calls with their results " +
          "on stderr; with --follow, live until it ends",
      ),
  )
    .option("-f, --follow", "stream the output live until the task ends")
    .option("--events", "show the tool's events as the raw JSON lines received, instead of readable lines")
    .action(async (id: string, flags: Flags & { follow?: boolean; events?: boolean }) => {
      const client = await connect(flags);
      if (!flags.follow) {
        const path = `/api/v1/tasks/${encodeURIComponent(id)}`;
        const [found, chunks, attempts] = await Promise.all([
          client.request<Task>("GET", path),
          client.request<StoredOutputChunk[]>("GET", `${path}/output`),
          client.request<TaskAttempt[]>("GET", `${path}/attempts`),
        ]);
        printLog(found, chunks, attempts, flags.events);
        return;
      }
      const ended = await follow(client, id, flags.events);
      console.error(summaryLine(ended));
      if (ended.status !== "completed") process.exitCode = 1;
    });
}

/** As many as the server takes in one `POST /api/v1/tasks`. */
const TASKS_PER_REQUEST = 1000;

async function readTaskLines(file: string): Promise<Array<{ number: number; body: unknown }>> {
  const text =
    file === "-"
      ? await readStdin()
      : await readFile(file, "utf8").catch((error: Error) => {
          throw new CliError(`cannot read ${file}: ${error.message}`);
        });
  return text.split("\n").flatMap((line, index) => {
    if (line.trim() === "") return [];
    try {
      return [{ number: index + 1, body: JSON.parse(line) as unknown }];
    } catch {
      throw new CliError(`${file} line ${index + 1}: not a JSON object`);
    }
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Says why the task waits, on stderr: once it has waited a few seconds, then whenever the reason changes
 * (another code, or another end of the wait), instead of waiting mute.
 */
function reportWaiting(quietMs = 3_000): (task: Task) => void {
  const started = Date.now();
  let last = "";
  return (task) => {
    const reason = task.status === "queued" ? task.waiting_reason : null;
    if (!reason || Date.now() - started < quietMs) return;
    const key = `${reason.code} ${reason.until ?? ""}`;
    if (key === last) return;
    last = key;
    console.error(`Waiting: ${reason.message}`);
  };
}

/** Streams the task's output to the terminal until it ends; prints the result when nothing streamed. */
async function follow(
  client: Awaited<ReturnType<typeof connect>>,
  id: string,
  events = false,
  onTask?: (task: Task) => void,
): Promise<Task> {
  const writer = outputWriter(events);
  const { task, streamed } = await followTask(client, id, (chunk) => writer.write(chunk), onTask);
  if (!streamed && task.result) {
    process.stdout.write(withNewline(task.result.output));
  } else if (!writer.lastStdout().endsWith("\n")) {
    process.stdout.write("\n");
  }
  return task;
}

/** A task's stored output, each attempt under a line saying where it ran, how long and how it ended. */
function printLog(task: Task, chunks: StoredOutputChunk[], attempts: TaskAttempt[], raw = false): void {
  const numbers = [...new Set([...attempts.map((a) => a.attempt), ...chunks.map((c) => c.attempt)])].sort(
    (a, b) => a - b,
  );
  if (chunks.length === 0 && task.result) {
    process.stdout.write(withNewline(task.result.output));
    return;
  }
  if (numbers.length === 0) {
    console.error(`Task ${task.task_id} is ${task.status}; no output yet (use --follow to watch it).`);
    return;
  }
  const writer = outputWriter(raw);
  for (const number of numbers) {
    const attempt = attempts.find((a) => a.attempt === number);
    const summary = attempt ? `: ${attemptSummary(attempt)}` : "";
    process.stderr.write(`── attempt ${number} of ${task.max_attempts}${summary} ──\n`);
    for (const chunk of chunks) if (chunk.attempt === number) writer.write(chunk);
    if (!writer.lastStdout().endsWith("\n")) process.stdout.write("\n");
  }
}

function printTask(task: Task, nameOf: (workerId: string | null) => string, attempts: TaskAttempt[] = []): void {
  const rows: Array<[string, string]> = [
    ["task", task.task_id],
    ["description", oneLine(task.description, 200)],
    ["status", `${task.status} (${attemptsText(task)})`],
    ["tool", task.model ? `${task.tool} (${task.model})` : task.tool],
    ["worker", task.worker_id ? `${nameOf(task.worker_id)} (${task.worker_id})` : "-"],
    ["created", task.created_at],
  ];
  if (task.tools.length > 1) rows.push(["tools", `${task.tools.join(", ")} (in this order)`]);
  rows.push(["on limit", task.on_limit === "failover" ? "fail over to another tool or worker" : "wait for the reset"]);
  if (task.waiting_reason) rows.push(["waiting", waitingText(task.waiting_reason)]);
  if (task.started_at) rows.push(["started", task.started_at]);
  if (task.completed_at) rows.push(["ended", task.completed_at]);
  for (const attempt of attempts) rows.push([`attempt ${attempt.attempt}`, attemptSummary(attempt)]);
  if (task.result) {
    const usage = task.result.usage;
    rows.push(["usage", `${usage.input_tokens} in, ${usage.output_tokens} out, $${usage.cost_usd.toFixed(4)}`]);
  }
  if (task.error) rows.push(["error", oneLine(task.error, 500)]);
  rows.push(...changeRows(task));
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value] of rows) console.log(`${name.padEnd(width)}  ${value}`);
  if (task.result) {
    console.log("--- output ---");
    process.stdout.write(withNewline(task.result.output));
  }
}

function summaryLine(task: Task): string {
  const usage = task.result?.usage;
  const cost = usage
    ? `; ${usage.input_tokens} tokens in, ${usage.output_tokens} out, $${usage.cost_usd.toFixed(4)}`
    : "";
  return `Task ${task.task_id} ${task.status}${task.error && task.status !== "completed" ? `: ${oneLine(task.error, 300)}` : ""}${cost}`;
}

/** "attempt 2 of 3", and how many ended on a usage limit (those do not count). */
function attemptsText(task: Task): string {
  const limited = task.limited_attempts ?? 0;
  const base = `attempt ${task.attempt} of ${task.max_attempts}`;
  return limited > 0 ? `${base}; ${limited} stopped by a usage limit, not counted` : base;
}

function waitingText(reason: WaitingReason): string {
  return reason.until ? `${reason.message} (until ${reason.until})` : reason.message;
}

/** `--tool`: one tool, a comma list in order of preference, or `any`; unknown names are refused here. */
function parseTools(text: string): string | string[] {
  const tools = text
    .split(",")
    .map((tool) => tool.trim())
    .filter((tool) => tool !== "");
  if (tools.length === 1 && tools[0] === "any") return "any";
  const unknown = tools.filter((tool) => !toolIds.includes(tool));
  if (tools.length === 0 || unknown.length > 0) {
    throw new CliError(
      `--tool: unknown tool "${unknown[0] ?? text}"; use one of ${toolIds.join(", ")}, a comma list of them, or "any"`,
    );
  }
  return tools.length === 1 ? (tools[0] as string) : tools;
}

function integer(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new CliError(`${flag} must be a whole number, got "${text}"`);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `key=value` pairs; values that read as JSON (numbers, booleans, lists) are passed as such. */
function parseOptions(pairs: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--option must be key=value, got "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text
    }
    options[pair.slice(0, at)] = value;
  }
  return options;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function withNewline(text: string): string {
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}

/** `--repo`: a URL as given, or a saved repository's settings (its name), the other flags over them. */
async function repoOf(
  client: Awaited<ReturnType<typeof connect>>,
  flags: CreateFlags,
): Promise<Record<string, unknown>> {
  const given = flags.repo ?? "";
  const looksLikeUrl = given.includes(":") || given.includes("/");
  let repo: Record<string, unknown> = { url: given };
  if (!looksLikeUrl) {
    const { items } = await client.request<{ items: SavedRepo[] }>("GET", "/api/v1/repos");
    const saved = items.find((item) => item.name === given);
    if (!saved) {
      const names = items.map((item) => item.name).join(", ") || "none saved yet";
      throw new CliError(`--repo ${given}: not a URL, and no saved repository has that name (${names})`);
    }
    repo = {
      url: saved.url,
      ...(saved.default_ref ? { ref: saved.default_ref } : {}),
      ...(saved.setup ? { setup: saved.setup } : {}),
      ...(saved.check ? { check: saved.check } : {}),
      push: saved.push,
    };
  }
  if (flags.ref) repo.ref = flags.ref;
  if (flags.setup) repo.setup = flags.setup;
  if (flags.check) repo.check = flags.check;
  if (flags.push) repo.push = true;
  return repo;
}
