// The conversation the dashboard and the CLI show (protocol output-events.ts), read from what each adapter
// streams for a run recorded from the real CLI (Claude Code 2.1.332, Gemini CLI 0.61.0, Codex 0.171.0: the
// fixtures' READMEs say how each was recorded).
import { readFileSync } from "node:fs";
import { buildConversation, describeOutputEvent, type OutputChunkLike, parseOutputEvent } from "@garageswarm/protocol";
import { describe, expect, it } from "vitest";
import { replay as replayCodex } from "../../test/fixtures/codex/replay.ts";
import { ClaudeStream } from "./claude-code.ts";
import { GeminiStream } from "./gemini-cli-stream.ts";
import type { OutputStream, RunContext } from "./tool.ts";

type Streamed = Array<{ chunk: string; stream: OutputStream }>;

const fixture = (cli: string, name: string) =>
  readFileSync(new URL(`../../test/fixtures/${cli}/${name}.jsonl`, import.meta.url), "utf8").split("\n");

function claude(name: string): Streamed {
  const streamed: Streamed = [];
  const context: RunContext = {
    signal: new AbortController().signal,
    workdir: "/nonexistent",
    onOutput: (chunk, stream = "stdout") => {
      streamed.push({ chunk, stream });
    },
  };
  const reader = new ClaudeStream(context);
  for (const line of fixture("claude-code", name)) reader.read(line);
  return streamed;
}

function gemini(name: string): Streamed {
  const streamed: Streamed = [];
  const reader = new GeminiStream((chunk, stream = "stdout") => streamed.push({ chunk, stream }));
  for (const line of fixture("gemini-cli", name)) reader.line(line);
  return streamed;
}

const asChunks = (streamed: Streamed, attempt = 1): OutputChunkLike[] =>
  streamed.map((entry, seq) => ({ attempt, seq, ...entry }));

describe("a run as a conversation", () => {
  it("Claude Code: the Bash call with its result, then the answer", () => {
    expect(buildConversation(asChunks(claude("tool-use")))).toMatchObject([
      {
        type: "tool",
        name: "Bash",
        input: "ls -la",
        result: { is_error: false, output: expect.stringMatching(/^total 8\ndrwx/), truncated: false },
      },
      { type: "text", text: "Listed.\n" },
    ]);
  });

  it("Gemini CLI: a shell call with its output, and a failed read with the tool's error", () => {
    expect(buildConversation(asChunks(gemini("tool-shell")))).toMatchObject([
      {
        type: "tool",
        name: "run_shell_command",
        input: "echo tool-output-42 > made.txt && cat made.txt",
        result: { is_error: false, output: "tool-output-42" },
      },
      { type: "text", text: "Done.\n" },
    ]);
    const [read] = buildConversation(asChunks(gemini("tool-read-missing")));
    expect(read).toMatchObject({
      type: "tool",
      name: "read_file",
      input: "notes.txt",
      result: { is_error: true, output: expect.stringContaining("File not found: /tmp/gemini-fixture-") },
    });
  });

  it("Codex: the command paired with its output and exit code by item id, reasoning, a file change", () => {
    expect(buildConversation(asChunks(replayCodex("tool-use").streamed))).toMatchObject([
      {
        type: "tool",
        name: "shell",
        input: "/bin/bash -lc 'echo made > made.txt && cat made.txt'",
        result: { is_error: false, output: "made\n" },
      },
      { type: "thinking", text: "The file exists now." },
      { type: "text", text: "Made made.txt\n" },
    ]);
    expect(buildConversation(asChunks(replayCodex("file-change").streamed))).toMatchObject([
      { type: "tool", name: "edit files", input: "add /tmp/gs-task-recorded/hello.txt", result: { is_error: false } },
      { type: "text", text: "patched\n" },
    ]);
  });

  it("Codex: a fatal error is an error turn", () => {
    const entries = buildConversation(asChunks(replayCodex("unauthorized").streamed));
    expect(entries.filter((entry) => entry.type === "error").at(-1)).toMatchObject({
      text: expect.stringMatching(/401 Unauthorized/),
    });
  });

  it("a result whose call came in another batch stands alone; unreadable events stay visible", () => {
    const entries = buildConversation([
      { attempt: 2, seq: 0, stream: "event", chunk: '{"type":"tool_result","tool_use_id":"x","content":"late"}' },
      { attempt: 2, seq: 1, stream: "event", chunk: "not json" },
      { attempt: 2, seq: 2, stream: "stderr", chunk: "warn 1\n" },
      { attempt: 2, seq: 3, stream: "stderr", chunk: "warn 2\n" },
    ]);
    expect(entries).toEqual([
      {
        type: "tool",
        key: "2:0",
        name: "tool",
        input: "",
        result: { is_error: false, output: "late", truncated: false },
      },
      { type: "notice", key: "2:1", text: "not json" },
      { type: "stderr", key: "2:2", text: "warn 1\nwarn 2\n" },
    ]);
  });
});

describe("an event as terminal lines (the CLI)", () => {
  const lines = (streamed: Streamed) =>
    streamed
      .filter((entry) => entry.stream === "event")
      .map((entry) => parseOutputEvent(entry.chunk))
      .map((event) => (event ? describeOutputEvent(event) : ""))
      .join("");

  it("shows the call and its result for each CLI", () => {
    expect(lines(claude("tool-use"))).toBe(
      "→ Bash: ls -la\n← total 8\n  drwx------  2 root root 4096 Dec  7 11:23 .\n  drwxrwxrwt 46 root root 4096 Dec  7 11:23 ..\n",
    );
    expect(lines(gemini("tool-read-missing"))).toMatch(
      /^→ read_file: notes\.txt\n✗ File not found\.\n {2}File not found: /,
    );
    expect(lines(replayCodex("tool-use").streamed)).toBe(
      "→ shell: /bin/bash -lc 'echo made > made.txt && cat made.txt'\n← made\n· The file exists now.\n",
    );
  });

  it("cuts a long result to its first lines and says how many more", () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
    const text = describeOutputEvent({
      kind: "tool_result",
      id: "a",
      call: null,
      is_error: false,
      output,
      truncated: false,
    });
    expect(text.split("\n").slice(-3)).toEqual(["  line 12", "  … 18 more lines", ""]);
  });
});
