import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeTools, readFakeArgs, recordingContext } from "../../test/fakes/index.ts";
import { continuationPrompt } from "./codex-cli.ts";
import { ToolInputError, ToolRunError } from "./errors.ts";
import { priceTableVersion } from "./pricing.ts";
import { createToolRegistry } from "./registry.ts";

// The hand-written fake `codex` (test/fakes/bin/codex) where the real CLI may be missing (the unit project);
// the real Codex 0.171 runs the same cases in test/real-clis/codex-cli.test.ts.
describe("codex_cli", () => {
  it("runs `codex exec --json`, streams agent messages and activity, and takes usage from turn.completed", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ reply: "Done: added tests", argsFile }) }).get("codex_cli")!;

    const result = await tool.run(
      { task_id: "t-1", prompt: "Add tests", model: "gpt-5", options: { sandbox: "read-only" } },
      recording.context,
    );

    expect(result.output).toBe("Done: added tests");
    expect(result.usage.input_tokens).toBe(24763);
    expect(result.usage.output_tokens).toBe(122);
    // Cached input (24448 of the 24763) is billed at gpt-5's cached price, $0.125 instead of $1.25.
    expect(result.usage.cost_usd).toBeCloseTo(((24763 - 24448) * 1.25 + 24448 * 0.125 + 122 * 10) / 1_000_000, 10);
    expect(result.detail).toMatchObject({
      session_id: expect.any(String),
      cached_input_tokens: 24448,
      reasoning_output_tokens: 64,
      model: "gpt-5",
      price_table: priceTableVersion,
    });
    expect(recording.text("stdout")).toBe("Done: added tests\n");
    const events = recording.chunks.filter((c) => c.stream === "event").map((c) => JSON.parse(c.chunk));
    expect(events.map((event) => event.item_type)).toEqual(["reasoning", "command_execution", "command_execution"]);
    expect(events[2]).toMatchObject({
      type: "item.completed",
      command: "/bin/bash -lc ls",
      exit_code: 0,
      output: "args.json\n",
    });

    const { argv, cwd, prompt } = await readFakeArgs(argsFile);
    expect(cwd).toBe(recording.context.workdir);
    // The prompt goes on stdin (`-`), as the official SDK sends it: never parsed as an argument.
    expect(argv).toEqual([
      "exec",
      "--json",
      "--skip-git-repo-check",
      "-c",
      'sandbox_mode="read-only"',
      "-m",
      "gpt-5",
      "-",
    ]);
    expect(prompt).toBe("Add tests");
  });

  it("resumes a thread with `exec resume <id> -` and the continuation prompt on stdin", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("codex_cli")!;
    const thread = "01a25043-6109-73e1-83a0-7c9ec73da8ab";
    const result = await tool.run(
      { task_id: "t-r", prompt: "Add tests", options: {}, resume_session_id: thread },
      recording.context,
    );
    const { argv, prompt } = await readFakeArgs(argsFile);
    expect(argv).toEqual([
      "exec",
      "resume",
      "--json",
      "--skip-git-repo-check",
      "-c",
      'sandbox_mode="workspace-write"',
      thread,
      "-",
    ]);
    expect(prompt).toBe(continuationPrompt);
    expect(result.detail).toMatchObject({ session_id: thread, resumed_session: thread });
  });

  it("a review round resumes the thread with the task's prompt as the next turn", async () => {
    const recording = await recordingContext();
    const argsFile = join(recording.context.workdir, "args.json");
    const tool = createToolRegistry({ ...fakeTools({ argsFile }) }).get("codex_cli")!;
    const thread = "01a25043-6109-73e1-83a0-7c9ec73da8ab";
    await tool.run(
      { task_id: "t-r2", prompt: "Address the review", options: {}, resume_session_id: thread, resume_turn: "prompt" },
      recording.context,
    );
    const { argv, prompt } = await readFakeArgs(argsFile);
    expect(argv.slice(0, 2)).toEqual(["exec", "resume"]);
    expect(argv).toContain(thread);
    expect(prompt).toBe("Address the review");
  });

  it("refuses a sandbox Codex does not have, and detects a logged-in CLI", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools() }).get("codex_cli")!;
    const error = await tool
      .run({ task_id: "t-s", prompt: "x", options: { sandbox: "full" } }, context)
      .catch((e) => e);
    expect(error).toBeInstanceOf(ToolInputError);
    expect(error.message).toContain("read-only, workspace-write, danger-full-access");
    expect(await tool.detect()).toMatchObject({
      healthy: true,
      auth: "logged_in",
      detail: expect.stringContaining("API key configured"),
    });
  });

  it("without a model, and no rollout to name the default, the cost is 0 and the result says why", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools() }).get("codex_cli")!;
    const result = await tool.run({ task_id: "t-2", prompt: "x", options: {} }, context);
    expect(result.usage.cost_usd).toBe(0);
    expect(result.detail.cost_note).toMatch(/no price known/);
  });

  it("turn.failed fails the run with the error message", async () => {
    const { context } = await recordingContext();
    const tool = createToolRegistry({ ...fakeTools({ mode: "fail" }) }).get("codex_cli")!;
    const error = (await tool
      .run({ task_id: "t-3", prompt: "x", options: {} }, context)
      .catch((e) => e)) as ToolRunError;
    expect(error).toBeInstanceOf(ToolRunError);
    expect(error.message).toMatch(/^Codex failed: unexpected status 401 Unauthorized/);
    expect(error.sessionId).toEqual(expect.any(String));
  });
});
