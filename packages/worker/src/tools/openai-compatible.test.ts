// The openai_compatible tool against a fake OpenAI API: max_completion_tokens for the models that refuse
// max_tokens, a default model only when the endpoint's listing makes one obvious, cached input counted.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, recordingContext, startFakeOpenAi } from "../../test/fakes/index.ts";
import { ToolRunError } from "./errors.ts";
import { takesMaxCompletionTokens } from "./openai-compatible.ts";
import { createToolRegistry } from "./registry.ts";

const reply = "Hello there, swarm";
const bareEnv = { PATH: process.env.PATH };

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function toolFor(fake: FakeServer, extra: { openaiModel?: string } = {}) {
  return createToolRegistry({ env: bareEnv, openaiApiKey: "sk-test", openaiBaseUrl: `${fake.url}/v1`, ...extra }).get(
    "openai_compatible",
  )!;
}

async function run(fake: FakeServer, model: string | null, options: Record<string, unknown> = {}) {
  const recording = await recordingContext();
  const result = await toolFor(fake).run({ task_id: "t-1", prompt: "Say hello", model, options }, recording.context);
  return { result, recording };
}

/** The token-limit fields of each chat request. */
function limitsSent(fake: FakeServer): Array<Record<string, unknown>> {
  return fake.requests
    .filter((request) => request.path === "/v1/chat/completions")
    .map((request) => {
      const { max_tokens, max_completion_tokens } = request.body as Record<string, unknown>;
      return { max_tokens, max_completion_tokens };
    });
}

describe("openai_compatible token limit", () => {
  it.each(["gpt-5", "gpt-5.1-codex", "gpt-5-mini", "o1", "o3-mini", "o4-mini-2025-04-16", "openai/gpt-5"])(
    "%s takes max_completion_tokens",
    (model) => expect(takesMaxCompletionTokens(model)).toBe(true),
  );
  it.each(["gpt-4o-mini", "gpt-4.1", "llama-3.1-8b", "omni-moderation-latest", "gpt-50"])(
    "%s takes max_tokens",
    (model) => expect(takesMaxCompletionTokens(model)).toBe(false),
  );

  it("sends max_completion_tokens to a reasoning model, which refuses max_tokens", async () => {
    server = await startFakeOpenAi({ apiKey: "sk-test", models: ["gpt-5"], reply });
    const { result, recording } = await run(server, "gpt-5", { max_tokens: 2 });
    expect(limitsSent(server)).toEqual([{ max_tokens: undefined, max_completion_tokens: 2 }]);
    expect(result.output).toBe("Hello there, ");
    expect(result.detail).toMatchObject({ finish_reason: "length" });
    expect(result.detail.note).toContain("cut off");
    expect(recording.text("stderr")).toContain("cut off");
  });

  it("sends max_tokens to other models", async () => {
    server = await startFakeOpenAi({ apiKey: "sk-test", models: ["local-llama"], reply });
    const { result } = await run(server, "local-llama", { max_tokens: 50 });
    expect(limitsSent(server)).toEqual([{ max_tokens: 50, max_completion_tokens: undefined }]);
    expect(result.output).toBe(reply);
    expect(result.detail).toMatchObject({ finish_reason: "stop" });
  });

  it("asks again with max_completion_tokens when a model it does not recognise refuses max_tokens", async () => {
    server = await startFakeOpenAi({
      apiKey: "sk-test",
      models: ["my-reasoner"],
      refuseMaxTokens: ["my-reasoner"],
      reply,
    });
    const { result } = await run(server, "my-reasoner", { max_tokens: 100 });
    expect(limitsSent(server)).toEqual([
      { max_tokens: 100, max_completion_tokens: undefined },
      { max_tokens: undefined, max_completion_tokens: 100 },
    ]);
    expect(result.output).toBe(reply);
  });
});

describe("openai_compatible default model", () => {
  it("uses the one chat model a local server lists, passing over embedding models", async () => {
    server = await startFakeOpenAi({ apiKey: "sk-test", models: ["text-embedding-3-small", "local-llama"], reply });
    const { result } = await run(server, null);
    expect(result.detail.model).toBe("local-llama");
    const detected = (await toolFor(server).detect())!;
    expect(detected.healthy).toBe(true);
    expect(detected.detail).toBeUndefined();
  });

  it("with several chat models listed (as api.openai.com lists), asks for GARAGESWARM_OPENAI_MODEL", async () => {
    server = await startFakeOpenAi({
      apiKey: "sk-test",
      models: ["dall-e-3", "gpt-4o-mini", "whisper-1", "gpt-5", "tts-1", "o3-pro"],
      reply,
    });
    const detected = (await toolFor(server).detect())!;
    expect(detected).toMatchObject({ healthy: true });
    expect(detected.detail).toContain("GARAGESWARM_OPENAI_MODEL");
    expect(detected.detail).toContain("3 chat models (gpt-4o-mini, gpt-5, o3-pro)");

    const error = await run(server, null).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolRunError);
    expect((error as ToolRunError).message).toContain("GARAGESWARM_OPENAI_MODEL");
    expect(limitsSent(server)).toEqual([]);
  });

  it("GARAGESWARM_OPENAI_MODEL is the default, and detection has nothing to remark", async () => {
    server = await startFakeOpenAi({ apiKey: "sk-test", models: ["gpt-4o-mini", "gpt-5"], reply });
    const tool = toolFor(server, { openaiModel: "gpt-4o-mini" });
    expect((await tool.detect())!.detail).toBeUndefined();
    const { context } = await recordingContext();
    const result = await tool.run({ task_id: "t-2", prompt: "x", options: {} }, context);
    expect(result.detail.model).toBe("gpt-4o-mini");
  });
});

describe("openai_compatible usage", () => {
  it("counts cached prompt tokens as input and records them; a local server's answer costs nothing", async () => {
    server = await startFakeOpenAi({ apiKey: "sk-test", models: ["gpt-5"], reply, cachedTokens: 500 });
    const { result } = await run(server, "gpt-5");
    expect(result.usage).toMatchObject({ input_tokens: 519, output_tokens: 3, cost_usd: 0 });
    expect(result.detail).toMatchObject({ cached_input_tokens: 500 });
    expect(result.detail.cost_note).toContain(`at ${server.url}/v1`);
  });
});
