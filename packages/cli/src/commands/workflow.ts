// `garageswarm workflow …`: create a workflow from a YAML or JSON file, run it, watch its nodes live,
// pause, resume, cancel, approve. The live view polls the run (one request a second) and redraws in place
// on a terminal; piped, it prints one line per node change instead.
import { readFile } from "node:fs/promises";
import type { NodeRun, Workflow, WorkflowRun } from "@garageswarm/protocol";
import { type Command, InvalidArgumentError } from "commander";
import { parse as parseYaml } from "yaml";
import { CliError, type Client, connect } from "../client.ts";
import { printTable } from "../table.ts";
import { workerNames } from "../worker-names.ts";
import { withConnection } from "./connection.ts";

interface Flags {
  server?: string;
  key?: string;
  json?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const finished = new Set(["completed", "failed", "cancelled"]);
const POLL_MS = 1_000;

export function registerWorkflowCommands(program: Command): void {
  const workflow = program.command("workflow").description("Create, run and watch workflows (YAML or JSON files)");

  withConnection(workflow.command("create <file>").description("Create a workflow from a YAML or JSON file"))
    .option("--json", "print the created workflow as JSON")
    .action(async (file: string, flags: Flags) => {
      const client = await connect(flags);
      const created = await client.request<Workflow>("POST", "/api/v1/workflows", await readDefinition(file));
      if (flags.json) return console.log(JSON.stringify(created, null, 2));
      console.log(created.workflow_id);
      console.error(`Created "${created.name}". Run it with: garageswarm workflow run ${created.workflow_id}`);
    });

  withConnection(
    workflow
      .command("run <file-or-id>")
      .description("Run a workflow (a file is created first) and watch its nodes until it ends"),
  )
    .option(
      "--input <key=value|json>",
      "run input (repeatable): key=value (values are JSON when they parse, text otherwise) or a JSON object",
      collect,
      [],
    )
    .option("--timeout <seconds>", "this run's timeout instead of the workflow's", wholeSeconds)
    .option("--new", "create a new workflow from the file even if one of that name exists")
    .option("--detach", "print the run id and return at once")
    .option("--json", "print the finished run as JSON")
    .addHelpText(
      "after",
      "\nA file updates your workflow of the same name (or creates it), then runs it; --new always creates one." +
        "\nExamples:\n  garageswarm workflow run ship-feature.yaml --input feature='dark mode'" +
        `\n  garageswarm workflow run ship-feature.yaml --input '{"feature": "dark mode", "files": ["a.ts"]}'`,
    )
    .action(
      async (target: string, flags: Flags & { input: string[]; timeout?: number; detach?: boolean; new?: boolean }) => {
        const client = await connect(flags);
        const workflowId = UUID.test(target)
          ? target
          : (await saveFromFile(client, await readDefinition(target), flags.new === true)).workflow_id;
        const run = await client.request<WorkflowRun>("POST", `/api/v1/workflows/${workflowId}/execute`, {
          ...(flags.input.length > 0 ? { input: parseInputs(flags.input) } : {}),
          ...(flags.timeout === undefined ? {} : { timeout_seconds: flags.timeout }),
        });
        if (flags.detach) {
          console.log(run.run_id);
          console.error(`Started. Watch it with: garageswarm workflow status ${run.run_id} --watch`);
          return;
        }
        console.error(`Run ${run.run_id} started.`);
        await finish(await watch(client, run.run_id), flags.json);
      },
    );

  withConnection(workflow.command("status <run>").description("Show a run and each node's state"))
    .option("-w, --watch", "keep the view live until the run ends")
    .option("--json", "print the run as JSON")
    .action(async (runId: string, flags: Flags & { watch?: boolean }) => {
      const client = await connect(flags);
      if (flags.watch) return finish(await watch(client, runId), flags.json);
      const run = await getRun(client, runId);
      if (flags.json) return console.log(JSON.stringify(run, null, 2));
      for (const line of renderRun(run, await workerNames(client))) console.log(line);
    });

  for (const control of ["pause", "resume", "cancel"] as const) {
    const what = {
      pause: "Pause a run: nothing new starts, running nodes finish",
      resume: "Resume a paused run",
      cancel: "Cancel a run; its running tasks are stopped",
    }[control];
    withConnection(workflow.command(`${control} <run>`).description(what)).action(
      async (runId: string, flags: Flags) => {
        const client = await connect(flags);
        const run = await client.request<WorkflowRun>("POST", `/api/v1/runs/${encodeURIComponent(runId)}/${control}`);
        console.log(`Run ${run.run_id} is ${run.status}.`);
      },
    );
  }

  withConnection(
    workflow.command("rerun <run>").description("Run a run's workflow again with the same input (and timeout)"),
  )
    .option("-w, --watch", "watch the new run until it ends")
    .option("--json", "print the new run (or, with --watch, the finished run) as JSON")
    .action(async (runId: string, flags: Flags & { watch?: boolean }) => {
      const client = await connect(flags);
      const run = await client.request<WorkflowRun>("POST", `/api/v1/runs/${encodeURIComponent(runId)}/rerun`);
      if (flags.watch) {
        console.error(`Run #${run.run_number} (${run.run_id}) started with the same input.`);
        return finish(await watch(client, run.run_id), flags.json);
      }
      if (flags.json) return console.log(JSON.stringify(run, null, 2));
      console.log(run.run_id);
      console.error(
        `Run #${run.run_number} started with the same input. Watch it with: garageswarm workflow status ${run.run_id} --watch`,
      );
    });

  for (const verdict of ["approve", "reject"] as const) {
    withConnection(
      workflow
        .command(`${verdict} <run> <node>`)
        .description(`${verdict === "approve" ? "Approve" : "Reject"} a node waiting for approval`),
    )
      .option("--comment <text>", "why (shown on the node)")
      .action(async (runId: string, nodeId: string, flags: Flags & { comment?: string }) => {
        const client = await connect(flags);
        const run = await client.request<WorkflowRun>(
          "POST",
          `/api/v1/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeId)}/${verdict}`,
          flags.comment ? { comment: flags.comment } : {},
        );
        console.log(
          `Node ${nodeId} ${verdict === "approve" ? "approved" : "rejected"}; run ${run.run_id} is ${run.status}.`,
        );
      });
  }

  withConnection(workflow.command("list").description("List your workflows, newest first"))
    .option("--json", "print the answer as JSON")
    .action(async (flags: Flags) => {
      const client = await connect(flags);
      const page = await client.request<{ items: Workflow[] }>("GET", "/api/v1/workflows?limit=200");
      if (flags.json) return console.log(JSON.stringify(page.items, null, 2));
      printTable(
        ["ID", "NAME", "TYPE", "STATUS", "SCHEDULE"],
        page.items.map((item) => [
          item.workflow_id,
          item.name,
          item.workflow_type,
          item.status,
          item.schedule ? `${item.schedule.cron} (${item.schedule.timezone})` : "-",
        ]),
      );
    });

  withConnection(workflow.command("runs <workflow>").description("List a workflow's runs, newest first"))
    .option("--json", "print the answer as JSON")
    .action(async (workflowId: string, flags: Flags) => {
      const client = await connect(flags);
      const page = await client.request<{ items: WorkflowRun[] }>(
        "GET",
        `/api/v1/workflows/${encodeURIComponent(workflowId)}/runs?limit=50`,
      );
      if (flags.json) return console.log(JSON.stringify(page.items, null, 2));
      printTable(
        ["#", "RUN", "STATUS", "TRIGGER", "CREATED", "ERROR"],
        page.items.map((run) => [
          String(run.run_number),
          run.run_id,
          run.status,
          run.trigger,
          run.created_at,
          oneLine(run.error ?? "", 60),
        ]),
      );
    });
}

/**
 * The workflow a file describes, saved: running the same file again updates the workflow of its name
 * rather than piling up copies. Several of that name: the newest is updated (the list is newest first).
 */
async function saveFromFile(client: Client, body: unknown, forceNew: boolean): Promise<Workflow> {
  const name = typeof body === "object" && body !== null ? (body as { name?: unknown }).name : undefined;
  if (!forceNew && typeof name === "string" && name.trim()) {
    const page = await client.request<{ items: Workflow[] }>("GET", "/api/v1/workflows?limit=200");
    const existing = page.items.find((item) => item.name === name.trim());
    if (existing) {
      const updated = await client.request<Workflow>("PATCH", `/api/v1/workflows/${existing.workflow_id}`, body);
      console.error(`Updated "${updated.name}" (${updated.workflow_id}) from the file.`);
      return updated;
    }
  }
  const created = await client.request<Workflow>("POST", "/api/v1/workflows", body);
  console.error(`Created "${created.name}" (${created.workflow_id}).`);
  return created;
}

async function readDefinition(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    // YAML is a superset of JSON: one parser reads both.
    return parseYaml(text);
  } catch (error) {
    throw new CliError(`${file} is neither YAML nor JSON: ${(error as Error).message.split("\n")[0]}`);
  }
}

/** `--input` values in order: a JSON object's keys and `key=value` pairs, later ones over earlier ones. */
export function parseInputs(pairs: string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const pair of pairs) {
    if (pair.trimStart().startsWith("{")) {
      Object.assign(input, jsonObject(pair));
      continue;
    }
    const at = pair.indexOf("=");
    if (at <= 0) throw new CliError(`--input must be key=value or a JSON object, got "${pair}"`);
    const raw = pair.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: the text itself.
    }
    input[pair.slice(0, at)] = value;
  }
  return input;
}

function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--input: not valid JSON (${(error as Error).message}): ${text}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CliError(`--input: a JSON input must be an object, got ${text}`);
  }
  return value as Record<string, unknown>;
}

function getRun(client: Client, runId: string): Promise<WorkflowRun> {
  return client.request<WorkflowRun>("GET", `/api/v1/runs/${encodeURIComponent(runId)}`);
}

/** Polls the run until it ends, redrawing the node table (TTY) or printing each change (pipe). */
async function watch(client: Client, runId: string): Promise<WorkflowRun> {
  const tty = process.stderr.isTTY === true;
  let drawn = 0;
  const seen = new Map<string, string>();
  const nameOf = await workerNames(client);
  const reportWaiting = waitingReporter();
  for (;;) {
    const run = await getRun(client, runId);
    if (tty) {
      const lines = renderRun(run, nameOf);
      // Move up over the previous frame and clear it, then draw the new one.
      if (drawn > 0) process.stderr.write(`\x1b[${drawn}A\x1b[0J`);
      process.stderr.write(`${lines.join("\n")}\n`);
      drawn = lines.length;
    } else {
      for (const node of run.nodes) {
        const line = `${nodeState(node)}${node.iteration > 0 ? ` (iteration ${node.iteration})` : ""}${node.error ? `: ${oneLine(node.error, 80)}` : ""}`;
        if (seen.get(node.node_id) !== line) {
          seen.set(node.node_id, line);
          process.stderr.write(`${node.node_id}: ${line}\n`);
          if (node.status === "waiting_approval") process.stderr.write(`${approvalHint(run.run_id, node.node_id)}\n`);
        }
      }
      reportWaiting(run);
      if (seen.get("") !== run.status) {
        seen.set("", run.status);
        process.stderr.write(`run: ${run.status}\n`);
      }
    }
    if (finished.has(run.status)) return run;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Says why a node's task waits (piped output; the live table shows it in place): once the run has waited a
 * few seconds, then whenever a node's reason changes (another code, or another end of the wait).
 */
function waitingReporter(quietMs = 3_000): (run: WorkflowRun) => void {
  const started = Date.now();
  const last = new Map<string, string>();
  return (run) => {
    if (Date.now() - started < quietMs) return;
    for (const node of run.nodes) {
      const reason = node.task_status === "queued" ? node.waiting_reason : null;
      const key = reason ? `${reason.code} ${reason.until ?? ""}` : "";
      if (key === (last.get(node.node_id) ?? "")) continue;
      last.set(node.node_id, key);
      if (reason) process.stderr.write(`Waiting: ${node.node_id}: ${reason.message}\n`);
    }
  };
}

async function finish(run: WorkflowRun, json: boolean | undefined): Promise<void> {
  if (json) console.log(JSON.stringify(run, null, 2));
  else if (run.status === "completed") {
    if (run.result?.output !== null && run.result?.output !== undefined) console.log(run.result.output);
    else console.log(JSON.stringify(run.result?.outputs ?? {}, null, 2));
  } else console.error(`Run ${run.run_id} ${run.status}${run.error ? `: ${run.error}` : ""}`);
  if (run.status !== "completed") process.exitCode = 1;
}

const WAITING_FOR_WORKER = "waiting for a worker";

/**
 * The node's state as a person reads it: a running node whose task no worker has taken yet is waiting for
 * a worker, not running.
 */
function nodeState(node: NodeRun): string {
  const queued = node.task_status === "queued" || node.task_status === "pending";
  return node.status === "running" && queued ? WAITING_FOR_WORKER : node.status;
}

const marks: Record<string, string> = {
  [WAITING_FOR_WORKER]: "…",
  pending: "·",
  ready: "○",
  running: "▶",
  waiting_retry: "↻",
  waiting_approval: "?",
  completed: "✓",
  failed: "✗",
  skipped: "-",
  cancelled: "■",
};

export function renderRun(run: WorkflowRun, nameOf: (workerId: string) => string = (id) => id.slice(0, 8)): string[] {
  const lines = [
    `run #${run.run_number} ${run.run_id}  ${run.status}${run.error ? `  ${oneLine(run.error, 80)}` : ""}`,
  ];
  const started = run.started_at
    ? `started ${run.started_at}`
    : finished.has(run.status)
      ? "never started"
      : "not started: waiting for a worker";
  const deadline = run.deadline_at ? `deadline ${run.deadline_at} (timeout ${run.timeout_seconds} s)` : "no timeout";
  const ended = run.finished_at ? `  finished ${run.finished_at}` : "";
  lines.push(`  created ${run.created_at}  ${started}  ${deadline}${ended}`);
  const width = Math.max(4, ...run.nodes.map((node) => node.node_id.length));
  const states = run.nodes.map(nodeState);
  const stateWidth = Math.max(15, ...states.map((state) => state.length)) + 1;
  for (const [index, node] of run.nodes.entries()) {
    const state = states[index]!;
    const detail = [
      node.status === "running" && node.worker_id ? `on ${nameOf(node.worker_id)}` : "",
      node.task_status === "queued" && node.waiting_reason ? oneLine(node.waiting_reason.message, 80) : "",
      node.attempts > 1 ? `attempt ${node.attempts}` : "",
      node.iteration > 0 ? `iteration ${node.iteration}` : "",
      node.error ? oneLine(node.error, 60) : node.output ? oneLine(node.output, 60) : "",
    ]
      .filter(Boolean)
      .join("  ");
    lines.push(
      `  ${marks[state] ?? " "} ${node.node_id.padEnd(width)}  ${state.padEnd(stateWidth)}${detail}`.trimEnd(),
    );
  }
  for (const node of run.nodes) {
    if (node.status === "waiting_approval") lines.push(approvalHint(run.run_id, node.node_id));
  }
  return lines;
}

/** What to type to decide a node waiting for approval. */
function approvalHint(runId: string, nodeId: string): string {
  const node = /^[\w.-]+$/.test(nodeId) ? nodeId : `'${nodeId.replace(/'/g, "'\\''")}'`;
  return `  ${nodeId} waits for approval: garageswarm workflow approve ${runId} ${node} [--comment "…"]  (or: workflow reject)`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function wholeSeconds(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError("must be a whole number of seconds, 1 or more");
  return Number(value);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
