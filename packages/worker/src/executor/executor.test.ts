import { access, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolId } from "@garageswarm/protocol";
import { describe, expect, it, vi } from "vitest";
import { type FakeCliKnobs, fakeTools, processGone, readFakePids } from "../../test/fakes/index.ts";
import { ToolLimitedError } from "../tools/errors.ts";
import { createToolRegistry } from "../tools/registry.ts";
import type { Tool, ToolTask } from "../tools/tool.ts";
import { Executor, type ExecutorEvents, type ExecutorTask, TaskRejectedError } from "./executor.ts";
import { Workdirs } from "./workdir.ts";

const posix = process.platform !== "win32";

async function setup(
  options: {
    slots?: number;
    knobs?: FakeCliKnobs;
    enableShell?: boolean;
    maxConcurrent?: Partial<Record<ToolId, number>>;
    /** Stands in for the registry's tool of the same id. */
    tool?: Tool;
  } = {},
) {
  const stateDir = await mkdtemp(join(tmpdir(), "gs-worker-state-"));
  const workdirs = await Workdirs.open({ stateDir, baseDir: await mkdtemp(join(tmpdir(), "gs-work-")) });
  const registry = createToolRegistry({ ...fakeTools(options.knobs), enableShell: options.enableShell ?? true });
  const tools = {
    get: (id: ToolId) => (options.tool?.id === id ? options.tool : registry.get(id)),
  };
  const executor = new Executor({
    tools,
    workdirs,
    slots: options.slots ?? 2,
    maxConcurrent: options.maxConcurrent,
  });
  const events: Array<{ name: keyof ExecutorEvents; data: { task_id: string } & Record<string, unknown> }> = [];
  executor.on("output", (data) => events.push({ name: "output", data }));
  executor.on("progress", (data) => events.push({ name: "progress", data }));
  executor.on("complete", (data) => events.push({ name: "complete", data }));
  executor.on("fail", (data) => events.push({ name: "fail", data }));
  return { workdirs, executor, events };
}

const gates = await mkdtemp(join(tmpdir(), "gs-gates-"));

/** A shell task that waits until the test opens its gate (a file): it finishes exactly when told. */
function gatedTask(taskId: string): ExecutorTask {
  const gate = join(gates, taskId.replaceAll("/", "_"));
  return {
    task_id: taskId,
    tool: "shell",
    prompt: `echo waiting; while [ ! -f '${gate}' ]; do sleep 0.02; done; echo released`,
    options: {},
  };
}

async function release(taskId: string): Promise<void> {
  await writeFile(join(gates, taskId), "");
}

async function settleEventLoop(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function isEsrch(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

describe.skipIf(!posix)("Executor", () => {
  it("runs a task in its own workdir and reports progress, output and completion", async () => {
    const { workdirs, executor, events } = await setup();
    const outcome = await executor.start({ task_id: "task-1", tool: "shell", prompt: "pwd", options: {} });

    expect(outcome.status).toBe("completed");
    const workdir = join(workdirs.root, "_unknown", "task-1");
    expect(outcome.status === "completed" && outcome.result.output).toBe(`${workdir}\n`);
    // Retention 0: the workdir went with the task.
    await expect(access(workdir)).rejects.toThrow();
    expect(events.map((event) => event.name)).toEqual(["progress", "output", "complete"]);
    expect(events[0]!.data).toMatchObject({ task_id: "task-1", phase: "started" });
    expect(events[1]!.data).toMatchObject({ task_id: "task-1", chunk: `${workdir}\n`, stream: "stdout" });
    expect(executor.freeSlots).toBe(2);
  });

  it("never runs more tasks than it has slots", async () => {
    const { executor } = await setup({ slots: 2 });
    const first = executor.start(gatedTask("a"));
    const second = executor.start(gatedTask("b"));
    expect(executor.freeSlots).toBe(0);
    expect(() => executor.start(gatedTask("c"))).toThrow(expect.objectContaining({ reason: "no_free_slot" }));
    expect(executor.runningTasks().map((task) => task.task_id)).toEqual(["a", "b"]);

    await release("a");
    expect((await first).status).toBe("completed");
    expect(executor.freeSlots).toBe(1);
    const third = executor.start(gatedTask("c"));
    await release("b");
    await release("c");
    expect((await second).status).toBe("completed");
    expect((await third).status).toBe("completed");
  });

  it("rejects a task id already running, an unsafe id, and a tool that is not configured", async () => {
    const { executor } = await setup();
    const running = executor.start(gatedTask("same"));
    expect(() => executor.start(gatedTask("same"))).toThrow(expect.objectContaining({ reason: "duplicate" }));
    expect(() => executor.start(gatedTask("../escape"))).toThrow(
      expect.objectContaining({ reason: "invalid_task_id" }),
    );
    expect(() => executor.start({ task_id: "x", tool: "anthropic", prompt: "hi", options: {} })).toThrow(
      TaskRejectedError,
    );
    await release("same");
    expect((await running).status).toBe("completed");
  });

  it("a task over its timeout is killed and reported timed_out", async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), "gs-pids-")), "pids.json");
    const { executor, events } = await setup({ knobs: { mode: "hang", pidFile } });
    const outcome = await executor.start({
      task_id: "slow",
      tool: "claude_code",
      prompt: "never ends",
      options: {},
      timeout_seconds: 0.5,
    });

    expect(outcome.status).toBe("timed_out");
    expect(outcome.status !== "completed" && outcome.error.output).toBe("I'll look at the workspace first.");
    expect(events.at(-1)).toMatchObject({ name: "fail", data: { task_id: "slow", status: "timed_out" } });
    const pids = await readFakePids(pidFile);
    expect(isEsrch(pids!.pid)).toBe(true);
    expect(executor.freeSlots).toBe(2);
  });

  it("cancel kills the task's whole process tree and resolves with the outcome", async () => {
    const pidFile = join(await mkdtemp(join(tmpdir(), "gs-pids-")), "pids.json");
    const { executor, events } = await setup({ knobs: { mode: "hang-child", pidFile } });
    const done = executor.start({ task_id: "doomed", tool: "codex_cli", prompt: "loop", options: {} });
    const pids = await vi.waitFor(
      async () => {
        const found = await readFakePids(pidFile);
        if (!found) throw new Error("not started yet");
        return found;
      },
      { timeout: 15_000, interval: 25 },
    );

    const outcome = await executor.cancel("doomed");
    expect(outcome?.status).toBe("cancelled");
    expect(await done).toBe(outcome);
    expect(isEsrch(pids.pid)).toBe(true);
    expect(processGone(pids.child_pid!)).toBe(true);
    expect(events.filter((event) => event.name === "fail")).toHaveLength(1);
    expect(executor.runningTasks()).toEqual([]);
    expect(await executor.cancel("doomed")).toBeNull();
  });

  it("a failing tool is reported with its output and exit code", async () => {
    const { executor, events } = await setup();
    const outcome = await executor.start({ task_id: "bad", tool: "shell", prompt: "echo oops; exit 4", options: {} });
    expect(outcome).toMatchObject({ status: "failed", error: { kind: "run_error", output: "oops\n", exit_code: 4 } });
    expect(events.at(-1)).toMatchObject({ name: "fail", data: { status: "failed" } });
  });

  it("a disabled shell fails the task as unavailable", async () => {
    const { executor } = await setup({ enableShell: false });
    const outcome = await executor.start({ task_id: "sh", tool: "shell", prompt: "echo hi", options: {} });
    expect(outcome).toMatchObject({ status: "failed", error: { kind: "unavailable" } });
  });

  it("drain stops admissions and waits for running tasks to finish", async () => {
    const { executor } = await setup();
    const task = executor.start(gatedTask("long"));
    let drained = false;
    const drain = executor.drain().then((report) => {
      drained = true;
      return report;
    });
    expect(executor.draining).toBe(true);
    expect(() => executor.start(gatedTask("late"))).toThrow(expect.objectContaining({ reason: "draining" }));
    await settleEventLoop();
    expect(drained).toBe(false);

    await release("long");
    expect(await drain).toEqual({ finished: ["long"], still_running: [] });
    expect((await task).status).toBe("completed");
    executor.resume();
    expect(executor.draining).toBe(false);
  });

  it("drain with a deadline hands back the tasks still running, without stopping them", async () => {
    const { executor } = await setup();
    const task = executor.start(gatedTask("stays"));
    expect(await executor.drain({ deadlineMs: 50 })).toEqual({ finished: [], still_running: ["stays"] });
    expect(executor.runningTasks().map((running) => running.task_id)).toEqual(["stays"]);
    await release("stays");
    expect((await task).status).toBe("completed");
  });

  it("runs no more tasks of a tool than its cap, while other tools take the free slots", async () => {
    const { executor } = await setup({ slots: 3, maxConcurrent: { shell: 1 } });
    const first = executor.start(gatedTask("capped-1"));
    expect(executor.roomFor("shell")).toBe(0);
    expect(executor.roomFor("claude_code")).toBe(2);
    expect(() => executor.start(gatedTask("capped-2"))).toThrow(
      expect.objectContaining({ reason: "tool_at_capacity", message: expect.stringContaining("--max-concurrent") }),
    );
    const other = await executor.start({ task_id: "other", tool: "claude_code", prompt: "hi", options: {} });
    expect(other.status).toBe("completed");

    await release("capped-1");
    expect((await first).status).toBe("completed");
    expect(executor.roomFor("shell")).toBe(1);
    const second = executor.start(gatedTask("capped-2"));
    await release("capped-2");
    expect((await second).status).toBe("completed");
  });

  it("passes the session to resume to the tool, and reports a limit with the session it hit", async () => {
    const seen: ToolTask[] = [];
    const resetsAt = new Date(Date.now() + 3_600_000).toISOString();
    // A CLI adapter that recognised its tool's usage-limit answer (the adapters' own detection is theirs).
    const limited: Tool = {
      id: "claude_code",
      detect: async () => ({ name: "claude_code", version: "2.0.14", models: [], healthy: true }),
      health: async () => ({ healthy: true }),
      run: async (task) => {
        seen.push(task);
        throw new ToolLimitedError(
          { kind: "usage_limit", resets_at: resetsAt, message: "You've hit your limit · resets 7pm" },
          "claude_code",
          { output: "partial answer", sessionId: "session-2" },
        );
      },
    };
    const { executor } = await setup({ tool: limited });
    const outcome = await executor.start({
      task_id: "resumed",
      tool: "claude_code",
      prompt: "go on",
      options: {},
      resume_session_id: "session-1",
    });
    expect(seen).toEqual([
      { task_id: "resumed", prompt: "go on", model: null, options: {}, resume_session_id: "session-1" },
    ]);
    expect(outcome).toMatchObject({
      status: "failed",
      error: {
        kind: "limited",
        output: "partial answer",
        limit: { kind: "usage_limit", resets_at: resetsAt, message: "You've hit your limit · resets 7pm" },
        session_id: "session-2",
      },
    });
  });

  it("a prompt too large for a command line fails as a task the tool cannot take, not a bare spawn error", async () => {
    const { executor } = await setup();
    const outcome = await executor.start({
      task_id: "huge",
      tool: "shell",
      prompt: `echo ${"x".repeat(2 * 1024 * 1024)}`,
      options: {},
    });
    expect(outcome).toMatchObject({
      status: "failed",
      error: { kind: "input", message: expect.stringMatching(/too large for \/bin\/sh's command line \(E2BIG/) },
    });
  });
});
