// The stream-json reader against what the real Gemini CLI 0.61.0 printed: fixtures recorded by
// packages/worker/test/fixtures/gemini-cli/record.ts (the real CLI against the vendor fake in the sandbox).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GeminiStream, mainModel, tokensByModel, toolOutputExcerptChars } from "./gemini-cli-stream.ts";
import type { OutputStream } from "./tool.ts";

const fixtures = new URL("../../test/fixtures/gemini-cli/", import.meta.url);

function replay(name: string) {
  const chunks: Array<{ chunk: string; stream: OutputStream | undefined }> = [];
  const stream = new GeminiStream((chunk, kind) => chunks.push({ chunk, stream: kind }));
  for (const line of readFileSync(new URL(`${name}.jsonl`, fixtures), "utf8").split("\n")) stream.line(line);
  const events = chunks.filter((entry) => entry.stream === "event").map((entry) => JSON.parse(entry.chunk) as unknown);
  const text = chunks
    .filter((entry) => entry.stream === "stdout")
    .map((entry) => entry.chunk)
    .join("");
  return { stream, events, text };
}

describe("GeminiStream", () => {
  it("streams the answer, keeps the session id, and leaves the user's prompt out", () => {
    const { stream, text, events } = replay("ok");
    expect(text).toBe("Hi there\n");
    expect(events).toEqual([]);
    expect(stream.output()).toBe("Hi there");
    expect(stream.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stream.failure()).toBeNull();
  });

  it("passes tool calls and their results on as events; the answer is what came after the last call", () => {
    const { stream, events, text } = replay("tool-shell");
    expect(events).toEqual([
      {
        type: "tool_use",
        id: expect.stringMatching(/^run_shell_command/),
        name: "run_shell_command",
        input: { command: "echo tool-output-42 > made.txt && cat made.txt" },
      },
      {
        type: "tool_result",
        tool_use_id: expect.stringMatching(/^run_shell_command/),
        is_error: false,
        output: "tool-output-42",
      },
    ]);
    expect(text).toBe("Done.\n");
    expect(stream.output()).toBe("Done.");
  });

  it("a failed tool call is an error result with the CLI's reason", () => {
    const { events } = replay("tool-read-missing");
    expect(events[1]).toEqual({
      type: "tool_result",
      tool_use_id: expect.stringMatching(/^read_file/),
      is_error: true,
      output: "File not found.",
      error: expect.stringMatching(/^File not found: .*notes\.txt$/),
    });
  });

  it("cuts a long tool output, and a tool call carrying a file's worth, to an excerpt", () => {
    const events: string[] = [];
    const stream = new GeminiStream((chunk, kind) => kind === "event" && events.push(chunk));
    const content = "x".repeat(10_000);
    stream.line(JSON.stringify({ type: "tool_use", tool_id: "t", tool_name: "write_file", parameters: { content } }));
    stream.line(JSON.stringify({ type: "tool_result", tool_id: "t", status: "success", output: content }));
    const [call, result] = events.map((event) => JSON.parse(event) as Record<string, string>);
    expect(call).toMatchObject({ name: "write_file", input_truncated: true });
    expect(call!.input_excerpt).toHaveLength(toolOutputExcerptChars);
    expect(result).toMatchObject({ output_truncated: true });
    expect(result!.output).toHaveLength(toolOutputExcerptChars);
  });

  it("a result with status error and no error of its own fails with the last warning", () => {
    const stream = new GeminiStream(() => {});
    stream.line(
      JSON.stringify({ type: "error", severity: "error", message: "Model stream ended with empty response text." }),
    );
    stream.line(JSON.stringify({ type: "result", status: "error", stats: {} }));
    expect(stream.failure()).toBe("Model stream ended with empty response text.");
  });
});

describe("tokens and the main model", () => {
  it("counts thinking tokens as output (total − prompt), cached apart, and finds the main model among the router's", () => {
    const { stream } = replay("ok");
    const tokens = tokensByModel(stream.result?.stats);
    // The fake answered prompt 100 (40 cached), candidates 7, thoughts 11; the router's classifier 3 + 2.
    expect(tokens).toEqual([
      { model: "gemini-3.5-flash-lite", input: 3, cached: 0, output: 2 },
      { model: "gemini-3.8-flash", input: 100, cached: 40, output: 18 },
    ]);
    expect(mainModel(tokens, undefined)).toBe("gemini-3.8-flash");
    expect(mainModel(tokens, "models/gemini-3.5-flash-lite")).toBe("gemini-3.5-flash-lite");
    expect(mainModel([], undefined)).toBeUndefined();
  });
});
