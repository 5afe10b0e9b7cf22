// The JSONL of the real Codex 0.171.0, recorded by running `codex exec --json --skip-git-repo-check
// -c sandbox_mode="workspace-write" -` (prompt on stdin) inside the real-CLI sandbox against
// test/fakes/vendor-apis/openai-responses.ts, with its provider retrying once (test/support/real-clis/harness.ts).
// The fake's script for each file is named beside it below.
import { describe, expect, it } from "vitest";
import { type Replayed, replay } from "../../test/fixtures/codex/replay.ts";

const events = (streamed: Replayed["streamed"]) =>
  streamed.filter((entry) => entry.stream === "event").map((entry) => JSON.parse(entry.chunk));

describe("reading codex exec --json", () => {
  it("a plain answer: the thread id, the message, and the turn's usage with cached and reasoning tokens", () => {
    // plain.jsonl: {kind: "text", text: "Hello there", usage: 24763 in (24448 cached), 122 out (64 reasoning)}
    const { state, streamed } = replay("plain");
    expect(state.threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(state.messages).toEqual(["Hello there"]);
    expect(state.completed).toBe(true);
    expect(state.usage).toEqual({
      input: 24763,
      cachedInput: 24448,
      cacheWriteInput: 0,
      output: 122,
      reasoningOutput: 64,
    });
    expect(streamed).toEqual([{ chunk: "Hello there\n", stream: "stdout" }]);
  });

  it("a tool-use turn streams the command, its output and exit code, then the reasoning", () => {
    // tool-use.jsonl: {kind: "command", cmd: "echo made > made.txt && cat made.txt"}, then a text reply with a
    // reasoning summary. Two model calls: the usage is their sum.
    const { state, streamed } = replay("tool-use");
    expect(events(streamed)).toEqual([
      {
        type: "item.started",
        item_type: "command_execution",
        id: "item_0",
        command: "/bin/bash -lc 'echo made > made.txt && cat made.txt'",
        status: "in_progress",
      },
      {
        type: "item.completed",
        item_type: "command_execution",
        id: "item_0",
        command: "/bin/bash -lc 'echo made > made.txt && cat made.txt'",
        exit_code: 0,
        status: "completed",
        output: "made\n",
      },
      { type: "item.completed", item_type: "reasoning", id: "item_1", text: "The file exists now." },
    ]);
    expect(state.messages).toEqual(["Made made.txt"]);
    expect(state.usage).toMatchObject({ input: 100, cachedInput: 40, output: 18, reasoningOutput: 6 });
  });

  it("an apply_patch edit streams as a file_change with its paths", () => {
    // file-change.jsonl: {kind: "patch", patch: "*** Add File: hello.txt …"} (the workdir's path replaced by
    // /tmp/gs-task-recorded after recording).
    const { state, streamed } = replay("file-change");
    const change = { id: "item_0", changes: [{ path: "/tmp/gs-task-recorded/hello.txt", kind: "add" }] };
    expect(events(streamed)).toEqual([
      { type: "item.started", item_type: "file_change", status: "in_progress", ...change },
      { type: "item.completed", item_type: "file_change", status: "completed", ...change },
    ]);
    expect(state.messages).toEqual(["patched"]);
  });

  it("keeps the message of a non-fatal error item (before turn.started) and still completes", () => {
    // model-warning.jsonl: `-m gpt-fake`, a model Codex has no metadata for.
    const { state, streamed } = replay("model-warning");
    expect(state.warnings).toEqual([
      "Model metadata for `gpt-fake` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.",
    ]);
    expect(events(streamed)[0]).toMatchObject({ item_type: "error", message: expect.stringContaining("gpt-fake") });
    expect(state.completed).toBe(true);
    expect(state.failure).toBeUndefined();
  });

  it("a 401 after its retry: the failure is the final message, the retry notice a warning", () => {
    // unauthorized.jsonl: two 401 invalid_api_key replies.
    const { state } = replay("unauthorized");
    expect(state.completed).toBe(false);
    expect(state.failure).toMatch(/^unexpected status 401 Unauthorized: Incorrect API key provided/);
    expect(state.warnings[0]).toMatch(/^Reconnecting\.\.\. 1\/1 \(unexpected status 401/);
  });

  it("a 400 fails at once with the API's message", () => {
    // bad-request.jsonl: one 400 model_not_found.
    const { state } = replay("bad-request");
    expect(state.failure).toBe("Invalid value: 'gpt-nope'. The requested model does not exist.");
    expect(state.warnings).toEqual([state.failure]);
  });

  it("a resumed thread reports the thread's totals: its earlier run's tokens included", () => {
    // resumed.jsonl: `codex exec resume <thread> -` after a first run of 50 in (20 cached) / 9 out (3 reasoning);
    // the resumed call itself used 70 in (60 cached) / 5 out.
    const { state } = replay("resumed");
    expect(state.messages).toEqual(["second answer"]);
    expect(state.usage).toMatchObject({ input: 120, cachedInput: 80, output: 14, reasoningOutput: 3 });
  });
});
