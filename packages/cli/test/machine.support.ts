// Helpers for tests that play a machine: processes run without blocking this process (the server under
// test answers in it), waits that print what the machine said when they time out, a shell task run to its end.
import { type ChildProcess, spawn } from "node:child_process";
import type { ApiClient } from "../../../test/support/http.ts";

/** Polls `probe` until it gives a value; on timeout the error carries what the machine printed. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  printed: () => string = () => "",
  seconds = 120,
): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the machine printed:\n${printed()}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

/** Runs a command to its end without blocking (a spawnSync talking to the in-process server would hang). */
export function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; input?: string },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: options.env, cwd: options.cwd });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("error", fail);
    child.once("close", (status) => done({ status, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode);
    else child.once("exit", (code) => done(code));
  });
}

/** Creates a shell task (`echo …`) and waits for its end; returns the task as it ended. */
export async function runShellTask(api: ApiClient, token: string, command: string, printed: () => string) {
  const task = await api.post("/api/v1/tasks", { description: command, tool: "shell" }, { token });
  if (task.status !== 201) throw new Error(`create task: ${task.status} ${JSON.stringify(task.body)}`);
  return waitFor(
    "the task to finish",
    async () => {
      const got = await api.get(`/api/v1/tasks/${task.body.task_id}`, { token });
      return ["completed", "failed", "cancelled", "timed_out"].includes(got.body.status) ? got.body : undefined;
    },
    printed,
  );
}
