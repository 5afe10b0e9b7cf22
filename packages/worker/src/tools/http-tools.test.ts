// The HTTP-API tools against local servers speaking the real APIs: detection, a streamed run with
// usage and cost, a failing run, and cancel closing the stream.
import type { ToolId } from "@garageswarm/protocol";
import { afterEach, describe, expect, it } from "vitest";
import {
  type FakeServer,
  recordingContext,
  startFakeAnthropic,
  startFakeGeminiApi,
  startFakeOllama,
  startFakeOpenAi,
} from "../../test/fakes/index.ts";
import { ToolAbortedError, ToolRunError } from "./errors.ts";
import { priceTableVersion } from "./pricing.ts";
import { createToolRegistry, type ToolRegistryOptions } from "./registry.ts";

// The fakes stream a reply in three pieces: "Hello ", "there, ", "swarm".
const reply = "Hello there, swarm";
// A bare environment, so no real key or host from the developer's shell is ever used.
const bareEnv = { PATH: process.env.PATH };

interface Case {
  id: ToolId;
  start(): Promise<FakeServer>;
  options(url: string): ToolRegistryOptions;
  model: string;
  models: string[];
  usage: { input_tokens: number; output_tokens: number };
  /** Cost per the price table; 0 for local models and for OpenAI-compatible servers that are not a vendor's. */
  cost(usage: { input_tokens: number; output_tokens: number }): number;
}

const cases: Case[] = [
  {
    id: "ollama",
    start: () => startFakeOllama({ reply }),
    options: (url) => ({ ollamaHost: url }),
    model: "llama3.2:latest",
    models: ["llama3.2:latest", "qwen2.5-coder:7b"],
    usage: { input_tokens: 26, output_tokens: 2 * 3 },
    cost: () => 0,
  },
  {
    id: "anthropic",
    start: () => startFakeAnthropic({ apiKey: "sk-ant-test", reply }),
    options: (url) => ({ anthropicApiKey: "sk-ant-test", anthropicBaseUrl: url }),
    model: "claude-haiku-4-5-20251001",
    models: ["claude-sonnet-4-5-20250929", "claude-haiku-4-5-20251001"],
    usage: { input_tokens: 25, output_tokens: 3 },
    cost: ({ input_tokens, output_tokens }) => (input_tokens * 1 + output_tokens * 5) / 1_000_000,
  },
  {
    id: "gemini_api",
    start: () => startFakeGeminiApi({ apiKey: "gm-test", reply }),
    options: (url) => ({ geminiApiKey: "gm-test", geminiBaseUrl: url }),
    model: "gemini-2.5-flash",
    models: ["gemini-2.5-flash", "gemini-2.5-pro"],
    usage: { input_tokens: 9, output_tokens: 3 + 30 },
    cost: ({ input_tokens, output_tokens }) => (input_tokens * 0.3 + output_tokens * 2.5) / 1_000_000,
  },
  {
    id: "openai_compatible",
    start: () => startFakeOpenAi({ apiKey: "sk-test", models: ["gpt-4o-mini", "local-llama"], reply }),
    options: (url) => ({ openaiApiKey: "sk-test", openaiBaseUrl: `${url}/v1` }),
    model: "gpt-4o-mini",
    models: ["gpt-4o-mini", "local-llama"],
    usage: { input_tokens: 19, output_tokens: 3 },
    // The fake listens on 127.0.0.1, not on a vendor's API: whatever the model is called, it is not billed.
    cost: () => 0,
  },
];

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(cases)("$id", (spec) => {
  it("is detected with the models the API lists", async () => {
    server = await spec.start();
    const registry = createToolRegistry({ env: bareEnv, ...spec.options(server.url) });
    const detected = await registry.get(spec.id)!.detect();
    expect(detected).toMatchObject({ name: spec.id, healthy: true, models: spec.models });
    expect((await registry.detectAll()).map((tool) => tool.name)).toContain(spec.id);
    expect(await registry.get(spec.id)!.health()).toMatchObject({ healthy: true });
  });

  it("streams a run and returns the output, token usage and cost", async () => {
    server = await spec.start();
    const tool = createToolRegistry({ env: bareEnv, ...spec.options(server.url) }).get(spec.id)!;
    const recording = await recordingContext();
    const result = await tool.run(
      { task_id: "t-1", prompt: "Say hello to the swarm", model: spec.model, options: {} },
      recording.context,
    );

    expect(result.output).toBe(reply);
    expect(JSON.stringify(server.requests.at(-1)?.body)).toContain("Say hello to the swarm");
    expect(recording.text("stdout")).toBe(result.output);
    expect(recording.chunks.filter((chunk) => chunk.stream === "stdout").length).toBeGreaterThan(1);
    expect(result.usage).toMatchObject(spec.usage);
    expect(result.usage.cost_usd).toBeCloseTo(spec.cost(spec.usage), 12);
    expect(result.detail.model).toBe(spec.model);
    if (spec.id !== "ollama") expect(result.detail.price_table).toBe(priceTableVersion);
  });

  it("a failing API answer is a ToolRunError", async () => {
    server = await spec.start();
    server.mode = "fail";
    const tool = createToolRegistry({ env: bareEnv, ...spec.options(server.url) }).get(spec.id)!;
    const { context } = await recordingContext();
    await expect(
      tool.run({ task_id: "t-2", prompt: "x", model: spec.model, options: {} }, context),
    ).rejects.toBeInstanceOf(ToolRunError);
  });

  it("an unknown model is a ToolRunError naming it", async () => {
    server = await spec.start();
    const tool = createToolRegistry({ env: bareEnv, ...spec.options(server.url) }).get(spec.id)!;
    const { context } = await recordingContext();
    const error = await tool
      .run({ task_id: "t-3", prompt: "x", model: "no-such-model", options: {} }, context)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ToolRunError);
    expect((error as ToolRunError).message).toContain("no-such-model");
  });

  it("cancel stops the stream and keeps the text received so far", async () => {
    server = await spec.start();
    server.mode = "hang";
    const tool = createToolRegistry({ env: bareEnv, ...spec.options(server.url) }).get(spec.id)!;
    const recording = await recordingContext();
    const run = tool.run({ task_id: "t-4", prompt: "x", model: spec.model, options: {} }, recording.context);
    await expect.poll(() => recording.text("stdout"), { timeout: 10_000 }).toBe("Hello ");

    recording.controller.abort();
    const error = (await run.catch((caught: unknown) => caught)) as ToolAbortedError;
    expect(error).toBeInstanceOf(ToolAbortedError);
    expect(error.reason).toBe("cancelled");
    expect(error.output).toBe("Hello ");
    await expect.poll(() => server!.abortedStreams).toBe(1);
  });
});

describe("absent API tools", () => {
  it("ollama is absent when nothing listens on OLLAMA_HOST", async () => {
    const closed = await startFakeOllama({ reply });
    await closed.close();
    const registry = createToolRegistry({ env: { ...bareEnv, OLLAMA_HOST: closed.url } });
    expect(registry.config.ollamaHost).toBe(closed.url);
    expect(await registry.get("ollama")!.detect()).toBeNull();
    expect(await registry.get("ollama")!.health()).toMatchObject({ healthy: false });
  });

  it("API tools without a key (or URL) are not built", () => {
    const registry = createToolRegistry({ env: bareEnv });
    expect(registry.get("anthropic")).toBeUndefined();
    expect(registry.get("gemini_api")).toBeUndefined();
    expect(registry.get("openai_compatible")).toBeUndefined();
  });

  it("keys come from the vendors' env variables", () => {
    const registry = createToolRegistry({
      env: { ...bareEnv, ANTHROPIC_API_KEY: "a", GOOGLE_API_KEY: "g", OPENAI_BASE_URL: "http://127.0.0.1:1/v1" },
    });
    expect(registry.get("anthropic")).toBeDefined();
    expect(registry.get("gemini_api")).toBeDefined();
    expect(registry.get("openai_compatible")).toBeDefined();
  });

  it("a configured API tool whose key is rejected is detected unhealthy, with the reason", async () => {
    server = await startFakeAnthropic({ apiKey: "right" });
    const registry = createToolRegistry({ env: bareEnv, anthropicApiKey: "wrong", anthropicBaseUrl: server.url });
    const detected = await registry.get("anthropic")!.detect();
    expect(detected).toMatchObject({ name: "anthropic", healthy: false });
    expect(detected?.detail).toContain("invalid x-api-key");
  });
});

describe("OLLAMA_HOST", () => {
  // Every form is in ollama-host.test.ts; this checks the registry reads the variable through it.
  it.each([
    [":11500", "http://127.0.0.1:11500"],
    ["0.0.0.0", "http://127.0.0.1:11434"],
    ["ollama.lan/ollama", "http://ollama.lan:11434/ollama"],
  ])("%s is reached at %s", (host, url) => {
    expect(createToolRegistry({ env: { OLLAMA_HOST: host } }).config.ollamaHost).toBe(url);
  });
});
