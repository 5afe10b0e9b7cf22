// A RunContext that records what a tool streams, for tests.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OutputStream, RunContext } from "../../src/tools/tool.ts";

export interface RecordingContext {
  context: RunContext;
  controller: AbortController;
  chunks: Array<{ chunk: string; stream: OutputStream }>;
  /** Everything streamed on one stream, concatenated. */
  text(stream?: OutputStream): string;
}

export async function recordingContext(): Promise<RecordingContext> {
  const workdir = await mkdtemp(join(tmpdir(), "gs-task-"));
  const controller = new AbortController();
  const chunks: RecordingContext["chunks"] = [];
  return {
    controller,
    chunks,
    context: {
      signal: controller.signal,
      workdir,
      onOutput: (chunk, stream = "stdout") => chunks.push({ chunk, stream }),
    },
    text: (stream = "stdout") =>
      chunks
        .filter((entry) => entry.stream === stream)
        .map((entry) => entry.chunk)
        .join(""),
  };
}
