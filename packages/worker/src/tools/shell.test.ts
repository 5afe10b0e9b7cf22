import { describe, expect, it } from "vitest";
import { recordingContext } from "../../test/fakes/index.ts";
import { ToolRunError, ToolUnavailableError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

describe.skipIf(process.platform === "win32")("shell", () => {
  it("is off by default: not detected, and refuses to run", async () => {
    // A bare environment: no API keys, so detectAll reaches nothing outside this machine.
    const registry = createToolRegistry({ env: { PATH: process.env.PATH } });
    const shell = registry.get("shell")!;
    expect(await shell.detect()).toBeNull();
    expect((await registry.detectAll()).map((tool) => tool.name)).not.toContain("shell");
    const { context, chunks } = await recordingContext();
    await expect(shell.run({ task_id: "t-1", prompt: "echo hi", options: {} }, context)).rejects.toBeInstanceOf(
      ToolUnavailableError,
    );
    expect(chunks).toEqual([]);
  });

  it("when enabled, runs the prompt in the task's workdir and streams its output", async () => {
    const shell = createToolRegistry({ enableShell: true }).get("shell")!;
    expect(await shell.detect()).toMatchObject({ name: "shell", healthy: true });
    const recording = await recordingContext();
    const result = await shell.run(
      { task_id: "t-2", prompt: "pwd; echo done >&2; echo two", options: {} },
      recording.context,
    );
    expect(result.output).toBe(`${recording.context.workdir}\ntwo\n`);
    expect(result.exit_code).toBe(0);
    expect(recording.text("stderr")).toBe("done\n");
  });

  it("a non-zero exit fails with the exit code and the output so far", async () => {
    const shell = createToolRegistry({ enableShell: true }).get("shell")!;
    const { context } = await recordingContext();
    const error = (await shell
      .run({ task_id: "t-3", prompt: "echo partial; exit 3", options: {} }, context)
      .catch((e) => e)) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.exitCode).toBe(3);
    expect(error.output).toBe("partial\n");
  });
});
