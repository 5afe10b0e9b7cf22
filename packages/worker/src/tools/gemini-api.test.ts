// The gemini_api tool against a fake Gemini API: answers that are not answers (a blocked prompt, a
// candidate stopped by a filter, nothing said) fail naming their reason; a cut-off answer says so.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, recordingContext, startFakeGeminiApi } from "../../test/fakes/index.ts";
import { ToolRunError } from "./errors.ts";
import { createToolRegistry } from "./registry.ts";

const reply = "Hello there, swarm";
const bareEnv = { PATH: process.env.PATH };

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(fake: FakeServer, options: Record<string, unknown> = {}) {
  const tool = createToolRegistry({ env: bareEnv, geminiApiKey: "gm-test", geminiBaseUrl: fake.url }).get(
    "gemini_api",
  )!;
  const recording = await recordingContext();
  const result = await tool.run(
    { task_id: "t-1", prompt: "Say hello", model: "gemini-2.5-flash", options },
    recording.context,
  );
  return { result, recording };
}

async function failure(fake: FakeServer): Promise<ToolRunError> {
  const error = await run(fake).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(ToolRunError);
  return error as ToolRunError;
}

describe("gemini_api refusals", () => {
  it("a blocked prompt fails naming the block reason", async () => {
    server = await startFakeGeminiApi({ apiKey: "gm-test", reply, blockPrompt: "PROHIBITED_CONTENT" });
    const error = await failure(server);
    expect(error.message).toBe("Gemini API blocked the prompt (PROHIBITED_CONTENT)");
    expect(error.output).toBe("");
  });

  it.each(["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "OTHER"])(
    "an answer stopped with %s before any text fails naming it",
    async (finishReason) => {
      server = await startFakeGeminiApi({ apiKey: "gm-test", reply, stopWith: { finishReason, afterPieces: 0 } });
      const error = await failure(server);
      expect(error.message).toBe(`Gemini API stopped the answer (finish reason ${finishReason})`);
      expect(error.detail).toMatchObject({ finish_reason: finishReason });
    },
  );

  it("an answer stopped by a filter midway fails too, keeping the text streamed before it", async () => {
    server = await startFakeGeminiApi({
      apiKey: "gm-test",
      reply,
      stopWith: { finishReason: "RECITATION", afterPieces: 2 },
    });
    const error = await failure(server);
    expect(error.message).toContain("finish reason RECITATION");
    expect(error.output).toBe("Hello there, ");
  });

  it("an empty answer is not a success", async () => {
    server = await startFakeGeminiApi({ apiKey: "gm-test", reply: "" });
    const error = await failure(server);
    expect(error.message).toBe("Gemini API returned no text (finish reason STOP)");
  });
});

describe("gemini_api answers", () => {
  it("records the finish reason", async () => {
    server = await startFakeGeminiApi({ apiKey: "gm-test", reply });
    const { result } = await run(server);
    expect(result.output).toBe(reply);
    expect(result.detail).toMatchObject({ finish_reason: "STOP", model_version: "gemini-2.5-flash" });
    expect(result.detail.note).toBeUndefined();
  });

  it("an answer cut at max_tokens succeeds, saying it was cut off", async () => {
    server = await startFakeGeminiApi({ apiKey: "gm-test", reply });
    const { result, recording } = await run(server, { max_tokens: 2 });
    expect(result.output).toBe("Hello there, ");
    expect(result.detail).toMatchObject({ finish_reason: "MAX_TOKENS" });
    expect(result.detail.note).toContain("cut off");
    expect(recording.text("stderr")).toContain("cut off");
  });

  it("prices cached prompt tokens apart from fresh ones", async () => {
    server = await startFakeGeminiApi({ apiKey: "gm-test", reply, cachedTokens: 1_000 });
    const { result } = await run(server);
    // 9 fresh + 1000 cached prompt tokens; 3 answer + 30 thinking tokens, billed as output.
    expect(result.usage).toMatchObject({ input_tokens: 1_009, output_tokens: 33 });
    expect(result.usage.cost_usd).toBeCloseTo((9 * 0.3 + 1_000 * 0.03 + 33 * 2.5) / 1_000_000, 12);
    expect(result.detail).toMatchObject({ cached_input_tokens: 1_000 });
  });
});
