// Behaviour every CLI adapter shares, driven against the fake executables on PATH: detection,
// absence, failure, and cancel killing the whole process tree.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ToolId } from "@garageswarm/protocol";
import { describe, expect, it, vi } from "vitest";
import { fakeTools, processGone, readFakePids, recordingContext } from "../../test/fakes/index.ts";
import { ToolAbortedError, type ToolError, ToolRunError, ToolUnavailableError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

// Fail mode is each CLI's sign-in failure: Gemini CLI's exits 41, which makes the tool unavailable.
const cliTools: Array<{ id: ToolId; version: string; failsAs?: typeof ToolError; failExit?: number }> = [
  { id: "claude_code", version: "2.0.14" },
  { id: "gemini_cli", version: "0.61.0", failsAs: ToolUnavailableError, failExit: 41 },
  { id: "codex_cli", version: "0.46.0" },
];

const task = { task_id: "t-1", prompt: "Say hello", model: null, options: {} };

async function waitForPids(file: string) {
  return vi.waitFor(
    async () => {
      const pids = await readFakePids(file);
      if (pids === null) throw new Error("the fake has not started yet");
      return pids;
    },
    { timeout: 15_000, interval: 25 },
  );
}

function isEsrch(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

describe.each(cliTools)("$id", ({ id, version, failsAs = ToolRunError, failExit = 1 }) => {
  it("is detected with its version when the CLI is on PATH", async () => {
    const detected = await createToolRegistry({ ...fakeTools() })
      .get(id)!
      .detect();
    expect(detected).toMatchObject({ name: id, version, healthy: true });
  });

  it("is absent when the CLI is not installed", async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), "gs-empty-path-"));
    const registry = createToolRegistry({ env: { ...process.env, PATH: emptyDir } });
    expect(await registry.get(id)!.detect()).toBeNull();
    expect(await registry.get(id)!.health()).toMatchObject({ healthy: false });
    expect((await registry.detectAll()).map((tool) => tool.name)).not.toContain(id);
  });

  it("refuses to run when the CLI is not installed", async () => {
    const emptyDir = await mkdtemp(join(tmpdir(), "gs-empty-path-"));
    const tool = createToolRegistry({ env: { ...process.env, PATH: emptyDir } }).get(id)!;
    const { context } = await recordingContext();
    await expect(tool.run(task, context)).rejects.toBeInstanceOf(ToolUnavailableError);
  });

  it("reports a failing run as a typed tool error carrying the exit code", async () => {
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get(id)!;
    const { context } = await recordingContext();
    const error = await tool.run(task, context).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(failsAs);
    expect((error as ToolError).exitCode).toBe(failExit);
    expect((error as ToolError).message).toMatch(/API key|authentication/i);
  });

  it("cancel kills the tool and the helper process it started", async () => {
    const recording = await recordingContext();
    const pidFile = join(recording.context.workdir, "pids.json");
    const tool = createToolRegistry({ ...fakeTools({ mode: "hang-child", pidFile }) }).get(id)!;
    const run = tool.run(task, recording.context);
    const pids = await waitForPids(pidFile);
    expect(processGone(pids.pid)).toBe(false);
    expect(processGone(pids.child_pid!)).toBe(false);

    recording.controller.abort();
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect((error as ToolAbortedError).reason).toBe("cancelled");
    expect(isEsrch(pids.pid)).toBe(true);
    expect(processGone(pids.child_pid!)).toBe(true);
  });

  it("a timeout is reported as timed_out", async () => {
    const recording = await recordingContext();
    const pidFile = join(recording.context.workdir, "pids.json");
    const tool = createToolRegistry({ ...fakeTools({ mode: "hang", pidFile }) }).get(id)!;
    const timeout = new AbortController();
    const run = tool.run(task, { ...recording.context, signal: timeout.signal });
    const pids = await waitForPids(pidFile);
    timeout.abort(new DOMException("The operation timed out", "TimeoutError"));
    await expect(run).rejects.toMatchObject({ reason: "timed_out" });
    expect(isEsrch(pids.pid)).toBe(true);
  });
});

describe("cancel of a tool that ignores SIGTERM", () => {
  it("escalates to SIGKILL after the grace period", async () => {
    const recording = await recordingContext();
    const pidFile = join(recording.context.workdir, "pids.json");
    const registry = createToolRegistry({ ...fakeTools({ mode: "hang-stubborn", pidFile }), killGraceMs: 100 });
    const run = registry.get("claude_code")!.run(task, recording.context);
    const pids = await waitForPids(pidFile);
    recording.controller.abort();
    await expect(run).rejects.toBeInstanceOf(ToolAbortedError);
    expect(isEsrch(pids.pid)).toBe(true);
  });
});
