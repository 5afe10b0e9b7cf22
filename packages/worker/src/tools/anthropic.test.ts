// The anthropic tool against a fake Messages API: the default max_tokens follows the model's own limit,
// a cut-off answer says so, and cache tokens are priced apart.
import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, recordingContext, startFakeAnthropic } from "../../test/fakes/index.ts";
import { defaultMaxTokensCap } from "./anthropic.ts";
import { priceTableVersion } from "./pricing.ts";
import { createToolRegistry } from "./registry.ts";

const reply = "Hello there, swarm";
const bareEnv = { PATH: process.env.PATH };

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(fake: FakeServer, model: string, options: Record<string, unknown> = {}, detectFirst = false) {
  const tool = createToolRegistry({ env: bareEnv, anthropicApiKey: "sk-ant-test", anthropicBaseUrl: fake.url }).get(
    "anthropic",
  )!;
  if (detectFirst) await tool.detect();
  const recording = await recordingContext();
  const result = await tool.run({ task_id: "t-1", prompt: "Say hello", model, options }, recording.context);
  return { result, recording };
}

/** The max_tokens each Messages call asked for. */
function askedMaxTokens(fake: FakeServer): number[] {
  return fake.requests
    .filter((request) => request.path === "/v1/messages")
    .map((request) => (request.body as { max_tokens: number }).max_tokens);
}

describe("anthropic max_tokens", () => {
  it("defaults to the model's own output limit, read from the Models API", async () => {
    const model = "claude-haiku-4-5-20251001";
    server = await startFakeAnthropic({
      apiKey: "sk-ant-test",
      reply,
      models: [model],
      outputLimits: { [model]: 20_000 },
    });
    const { result } = await run(server, model);
    expect(result.output).toBe(reply);
    expect(server.requests.map((request) => request.path)).toContain(`/v1/models/${model}`);
    expect(askedMaxTokens(server)).toEqual([20_000]);
    expect(result.detail).toMatchObject({ stop_reason: "end_turn", max_tokens: 20_000 });
    expect(result.detail.note).toBeUndefined();
  });

  it("is capped for models whose limit is larger, and learned from detection without another call", async () => {
    server = await startFakeAnthropic({
      apiKey: "sk-ant-test",
      reply,
      outputLimits: { "claude-opus-4-6": 128_000 },
      models: ["claude-opus-4-6"],
    });
    await run(server, "claude-opus-4-6", {}, true);
    expect(askedMaxTokens(server)).toEqual([defaultMaxTokensCap]);
    expect(server.requests.some((request) => request.path.startsWith("/v1/models/"))).toBe(false);
  });

  it("a task's max_tokens wins, and an answer cut off by it says so in detail and on stderr", async () => {
    server = await startFakeAnthropic({ apiKey: "sk-ant-test", reply });
    const { result, recording } = await run(server, "claude-haiku-4-5-20251001", { max_tokens: 2 });
    expect(askedMaxTokens(server)).toEqual([2]);
    expect(result.output).toBe("Hello there, ");
    expect(result.detail).toMatchObject({ stop_reason: "max_tokens", max_tokens: 2 });
    expect(result.detail.note).toContain("cut off at max_tokens (2)");
    expect(recording.text("stderr")).toContain("cut off at max_tokens (2)");
  });
});

describe("anthropic cost", () => {
  it("prices Opus 4.6 at $5/$25, with cache reads and writes at their own prices", async () => {
    server = await startFakeAnthropic({
      apiKey: "sk-ant-test",
      reply,
      models: ["claude-opus-4-6"],
      cache: { read: 10_000, write: 2_000 },
    });
    const { result } = await run(server, "claude-opus-4-6");
    // 25 fresh input tokens, 3 output tokens (one per streamed piece).
    expect(result.usage).toMatchObject({ input_tokens: 25 + 10_000 + 2_000, output_tokens: 3 });
    expect(result.usage.cost_usd).toBeCloseTo((25 * 5 + 10_000 * 0.5 + 2_000 * 6.25 + 3 * 25) / 1_000_000, 12);
    expect(result.detail).toMatchObject({
      cached_input_tokens: 10_000,
      cache_write_input_tokens: 2_000,
      price_table: priceTableVersion,
    });
  });
});
