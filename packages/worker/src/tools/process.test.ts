import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { recordingContext } from "../../test/fakes/index.ts";
import { ToolInputError, ToolRunError } from "./errors.ts";
import { ProcessStartError, runProcess } from "./process.ts";
import { createToolRegistry } from "./registry.ts";

// Linux takes at most 128 KiB in one argument (MAX_ARG_STRLEN); macOS limits only the whole command line (1 MiB).
const tooLong = "x".repeat(process.platform === "linux" ? 128 * 1024 + 1 : 2 * 1024 * 1024);

const spec = (args: string[]) => ({
  command: "/bin/echo",
  args,
  cwd: tmpdir(),
  env: { PATH: process.env.PATH },
  signal: new AbortController().signal,
  onLine: () => {},
});

describe.skipIf(process.platform === "win32")("runProcess", () => {
  it("rejects with a typed start error, carrying the code, when an argument is over the system's limit", async () => {
    const error = await runProcess(spec([tooLong])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error).toMatchObject({ command: "/bin/echo", code: "E2BIG" });
  });

  it("rejects with a typed start error when an argument holds a NUL character", async () => {
    const error = await runProcess(spec(["a\0b"])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProcessStartError);
    expect(error).toMatchObject({ code: "ERR_INVALID_ARG_VALUE" });
  });

  it("still runs an argument just under the limit", async () => {
    const lines: string[] = [];
    const exit = await runProcess({ ...spec(["y".repeat(100 * 1024)]), onLine: (line) => lines.push(line) });
    expect(exit.exitCode).toBe(0);
    expect(lines).toEqual(["y".repeat(100 * 1024)]);
  });
});

describe.skipIf(process.platform === "win32")("a CLI tool given a prompt too large for its command line", () => {
  it("fails with a ToolRunError saying so, one that retrying cannot help", async () => {
    const shell = createToolRegistry({ enableShell: true, env: { PATH: process.env.PATH } }).get("shell")!;
    const { context } = await recordingContext();
    const error = await shell.run({ task_id: "t-big", prompt: tooLong, options: {} }, context).catch((e) => e);
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toMatch(/prompt or an argument is too large for \/bin\/sh's command line \(E2BIG/);
  });
});
