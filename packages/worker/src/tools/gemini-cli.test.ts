// The adapter's command line and process handling with the fake `gemini` (test/fakes/bin). What the real CLI
// prints and how its failures read is tested in packages/worker/test/real-clis/gemini-cli.test.ts.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeTools, readFakeArgs, recordingContext } from "../../test/fakes/index.ts";
import { ToolInputError, ToolUnavailableError } from "./errors.ts";
import { continuationPrompt } from "./gemini-cli.ts";
import { createToolRegistry } from "./registry.ts";

describe("gemini_cli", () => {
  it("runs headless with stream-json and --skip-trust, the prompt on stdin and the options joined to their flags", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ reply: "Bonjour", argsFile }) }).get("gemini_cli")!;
    const prompt = "- Say hello in French";

    const result = await tool.run(
      { task_id: "t-1", prompt, model: "gemini-2.5-flash", options: { approval_mode: "auto_edit" } },
      recording.context,
    );

    expect(result.output).toBe("Bonjour");
    expect(recording.text("stdout")).toBe("Bonjour\n");
    const { argv, cwd, prompt: seen } = await readFakeArgs(argsFile);
    expect(cwd).toBe(recording.context.workdir);
    expect(argv).toEqual([
      "--output-format",
      "stream-json",
      "--skip-trust",
      "--model=gemini-2.5-flash",
      "--approval-mode=auto_edit",
    ]);
    expect(seen).toBe(prompt);
    // The fake reports its model (8410 prompt tokens, 1200 cached) and a router (1290); the main one is named.
    expect(result.usage.input_tokens).toBe(8410 + 1290);
    expect(result.detail).toMatchObject({ model: "gemini-2.5-flash", session_id: expect.any(String) });
  });

  it("refuses an approval mode Gemini CLI does not have, before starting it", async () => {
    const { context } = await recordingContext();
    const argsFile = join(context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("gemini_cli")!;
    const error = await tool
      .run({ task_id: "t-2", prompt: "x", options: { approval_mode: "never" } }, context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolInputError);
    await expect(readFakeArgs(argsFile)).rejects.toThrow();
  });

  it("refuses a prompt over the 8 MiB Gemini CLI reads from stdin (it would drop the rest silently)", async () => {
    const { context } = await recordingContext();
    const argsFile = join(context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("gemini_cli")!;
    const prompt = "x".repeat(8 * 1024 * 1024 + 1);
    const error = await tool.run({ task_id: "t-5", prompt, options: {} }, context).catch((e) => e);
    expect(error).toBeInstanceOf(ToolInputError);
    await expect(readFakeArgs(argsFile)).rejects.toThrow();
  });

  it("an auth failure (exit 41) makes the tool unavailable, with the CLI's reason and how to sign in", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get("gemini_cli")!;
    const error = (await tool.run({ task_id: "t-3", prompt: "x", options: {} }, context).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(ToolUnavailableError);
    expect(error.message).toMatch(
      /^Gemini CLI's authentication failed: When using Gemini API, you must specify .*sign in/,
    );
  });

  it("ignores a resume id that is not a session id (an index or an option would change what --resume does)", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("gemini_cli")!;
    await tool.run({ task_id: "t-4", prompt: "x", options: {}, resume_session_id: "2" }, recording.context);
    expect((await readFakeArgs(argsFile)).argv).not.toContain("--resume=2");
  });

  it("resumes a session with the continuation prompt, or with the task's prompt for a review round", async () => {
    const session = "5f0c2a1e-8d4b-4c9a-9e1f-2b3c4d5e6f70";
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("gemini_cli")!;
    await tool.run({ task_id: "t-5", prompt: "Do it", options: {}, resume_session_id: session }, recording.context);
    const parked = await readFakeArgs(argsFile);
    expect(parked.argv).toContain(`--resume=${session}`);
    expect(parked.prompt).toBe(continuationPrompt);
    await tool.run(
      { task_id: "t-6", prompt: "Address the review", options: {}, resume_session_id: session, resume_turn: "prompt" },
      recording.context,
    );
    const review = await readFakeArgs(argsFile);
    expect(review.argv).toContain(`--resume=${session}`);
    expect(review.prompt).toBe("Address the review");
  });

  it("detects the version and a saved Google login", async () => {
    const tool = createToolRegistry({ ...fakeTools() }).get("gemini_cli")!;
    expect(await tool.detect()).toMatchObject({ version: "0.61.0", auth: "logged_in", healthy: true });
  });
});
