// Shared by the fake CLIs in ../bin. Knobs, all optional, read from the environment:
//   GS_FAKE_MODE       ok (default) | fail | hang | hang-child | hang-stubborn
//                      hang: print the first events, then never exit; hang-child: also start a helper
//                      process of its own (a grandchild of the worker); hang-stubborn: ignore SIGTERM.
//   GS_FAKE_REPLY      the answer text (default: "Fake <tool> answer to: <prompt>")
//   GS_FAKE_PID_FILE   written once running: {"pid": <fake>, "child_pid": <helper or null>}
//   GS_FAKE_ARGS_FILE  written at start: {"argv": [...], "cwd": "...", "env": {...}}, and again once the
//                      prompt is read: {..., "prompt": "..."}
//   GS_FAKE_EDIT       files the agent writes in its cwd before answering: a JSON map {"path": "content"}
//                      (a null content deletes the file), or "append-prompt": append the prompt to AGENT.md
// The knobs reach a fake only when the worker passes them (--pass-env): tool processes get an allow-listed
// environment. Each fake parses its arguments as the real CLI does, and fails as it does on what it refuses.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const mode = process.env.GS_FAKE_MODE ?? "ok";
export const uuid = randomUUID;

export function argsAfter(args, ...names) {
  for (const name of names) {
    const index = args.indexOf(name);
    if (index >= 0 && index + 1 < args.length) return args[index + 1];
  }
  return undefined;
}

export function recordArgs(extra = {}) {
  const file = process.env.GS_FAKE_ARGS_FILE;
  if (file) writeAtomically(file, { argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, ...extra });
}

/** All of stdin, or "" when it is a terminal (or /dev/null). */
export async function readStdin() {
  if (process.stdin.isTTY) return "";
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

/** Exits like a CLI that refused its arguments. */
export function usageError(message, code) {
  console.error(message);
  process.exit(code);
}

export function replyTo(tool, prompt) {
  return process.env.GS_FAKE_REPLY ?? `Fake ${tool} answer to: ${prompt}`;
}

export function emit(event) {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

/** In a hang mode, never returns: stays alive (with a helper process for hang-child) until killed. */
export async function hangIfAsked() {
  if (!mode.startsWith("hang")) return;
  let childPid = null;
  if (mode === "hang-child") {
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1 << 30)"], { stdio: "ignore" });
    childPid = child.pid;
    // Like a well-behaved CLI: on SIGTERM, wait for the helper to end (reaping it), then exit.
    process.on("SIGTERM", () => {
      if (child.exitCode !== null || child.signalCode !== null) process.exit(143);
      child.once("exit", () => process.exit(143));
    });
  }
  if (mode === "hang-stubborn") process.on("SIGTERM", () => {});
  writeAtomically(process.env.GS_FAKE_PID_FILE, { pid: process.pid, child_pid: childPid });
  setInterval(() => {}, 1 << 30);
  await new Promise(() => {});
}

function writeAtomically(file, value) {
  if (!file) return;
  writeFileSync(`${file}.tmp`, JSON.stringify(value));
  renameSync(`${file}.tmp`, file);
}

/** Edits files in the cwd as GS_FAKE_EDIT says, like an agent that changed the repository it runs in. */
export function editFilesIfAsked(prompt) {
  const edit = process.env.GS_FAKE_EDIT;
  if (!edit) return;
  if (edit === "append-prompt") {
    appendFileSync("AGENT.md", `${prompt}\n`);
    return;
  }
  for (const [path, content] of Object.entries(JSON.parse(edit))) {
    const target = join(process.cwd(), path);
    if (content === null) {
      rmSync(target, { force: true });
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}
