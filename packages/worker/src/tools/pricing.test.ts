// The price table: current prices for the models the CLIs and APIs use today, cached input priced apart,
// long-context rates only for one request, unknown models said so, and our override rows kept honest.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { calcPrice } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { costOf, type PriceLookup, priceFile, priceTableVersion } from "./pricing.ts";

const million = 1_000_000;
const one: PriceLookup["requests"] = "one";

/** The cost of a million tokens of each kind, in dollars: the per-million list prices. */
function listPrices(model: string, provider: "anthropic" | "google" | "openai") {
  const price = (tokens: Parameters<typeof costOf>[1]) => costOf(model, tokens, { provider, requests: "many" }).costUsd;
  return {
    input: price({ input: million, output: 0 }),
    output: price({ input: 0, output: million }),
    cacheRead: price({ input: 0, cacheRead: million, output: 0 }),
    cacheWrite: price({ input: 0, cacheWrite: million, output: 0 }),
  };
}

describe("list prices", () => {
  it.each([
    // Anthropic: Opus 4.5 and later at $5/$25 (the old table charged 4.6–4.8 at Opus 4.1's $15/$75).
    ["claude-opus-4-1", "anthropic", 15, 75],
    ["claude-opus-4-5-20251101", "anthropic", 5, 25],
    ["claude-opus-4-6", "anthropic", 5, 25],
    ["claude-opus-4-7", "anthropic", 5, 25],
    ["claude-opus-4-8", "anthropic", 5, 25],
    // Claude Code 2.1.328's own prices for the 5.5 models.
    ["claude-opus-5-5", "anthropic", 4, 20],
    ["claude-sonnet-5-5", "anthropic", 2, 10],
    ["claude-sonnet-4-5-20250929", "anthropic", 3, 15],
    ["claude-haiku-4-5-20251001", "anthropic", 1, 5],
    ["claude-haiku-5-5", "anthropic", 0.1, 0.5],
    // Gemini CLI 0.61's main and router models, and the API's 2.5 models.
    ["gemini-3.8-flash", "google", 0.75, 3.75],
    ["gemini-3.5-flash-lite", "google", 0.3, 2.5],
    ["models/gemini-2.5-flash", "google", 0.3, 2.5],
    ["gemini-2.5-pro", "google", 1.25, 10],
    // OpenAI, Codex's models included.
    ["gpt-5", "openai", 1.25, 10],
    ["gpt-5-codex", "openai", 1.25, 10],
    ["gpt-5.5", "openai", 5, 30],
    ["gpt-5-mini", "openai", 0.25, 2],
    ["gpt-4o-mini", "openai", 0.15, 0.6],
  ] as const)("%s costs $%s in, $%s out per million", (model, provider, input, output) => {
    expect(listPrices(model, provider)).toMatchObject({ input: closeTo(input), output: closeTo(output) });
  });

  it("prices cached input apart from fresh input", () => {
    expect(listPrices("gpt-5", "openai")).toMatchObject({ input: closeTo(1.25), cacheRead: closeTo(0.125) });
    expect(listPrices("gemini-2.5-flash", "google")).toMatchObject({ input: closeTo(0.3), cacheRead: closeTo(0.03) });
    expect(listPrices("claude-opus-4-6", "anthropic")).toMatchObject({
      input: closeTo(5),
      cacheRead: closeTo(0.5),
      cacheWrite: closeTo(6.25),
    });
    expect(listPrices("claude-sonnet-5-5", "anthropic")).toMatchObject({ cacheRead: closeTo(0.1) });
  });

  it("adds the kinds up: fresh input, cache reads, cache writes and output", () => {
    const cost = costOf(
      "claude-opus-4-6",
      { input: 1_000, cacheRead: 10_000, cacheWrite: 2_000, output: 500 },
      { provider: "anthropic", requests: one },
    );
    expect(cost.costUsd).toBeCloseTo((1_000 * 5 + 10_000 * 0.5 + 2_000 * 6.25 + 500 * 25) / million, 12);
    expect(cost).toMatchObject({ priceTable: priceTableVersion });
    expect(cost.note).toBeUndefined();
  });
});

describe("long-context rates", () => {
  const big = { input: 250_000, output: 1_000 };

  it("apply to one request past the threshold", () => {
    const cost = costOf("gemini-2.5-pro", big, { provider: "google", requests: "one" });
    expect(cost.costUsd).toBeCloseTo((250_000 * 2.5 + 1_000 * 15) / million, 12);
  });

  it("do not apply to a session's totals, whose requests were each smaller", () => {
    const cost = costOf("gemini-2.5-pro", big, { provider: "google", requests: "many" });
    expect(cost.costUsd).toBeCloseTo((250_000 * 1.25 + 1_000 * 10) / million, 12);
  });

  it("agree with genai-prices' own calculation for one request", () => {
    const usage = { input: 150_000, cacheRead: 60_000, cacheWrite: 0, output: 3_000 };
    for (const [model, provider] of [
      ["claude-sonnet-4-5", "anthropic"],
      ["gemini-3-pro-preview", "google"],
      ["gpt-5.5", "openai"],
      ["gpt-5", "openai"],
    ] as const) {
      const theirs = calcPrice({ input_tokens: 210_000, cache_read_tokens: 60_000, output_tokens: 3_000 }, model, {
        providerId: provider,
      });
      expect(costOf(model, usage, { provider, requests: "one" }).costUsd).toBeCloseTo(theirs!.total_price, 12);
    }
  });
});

describe("unknown prices", () => {
  it("an unknown model costs 0 with a note saying so", () => {
    const cost = costOf("my-finetune", { input: 100, output: 100 }, { provider: "openai", requests: one });
    expect(cost).toEqual({
      costUsd: 0,
      priceTable: priceTableVersion,
      note: "no price known for model my-finetune; cost reported as 0",
    });
    expect(costOf(null, { input: 1, output: 1 }, { provider: "openai", requests: one }).note).toContain("(default)");
  });

  it("an endpoint that is no vendor's API (a local server) is not billed, whatever its model is called", () => {
    const cost = costOf(
      "gpt-4o-mini",
      { input: 100, output: 100 },
      { apiUrl: "http://127.0.0.1:8000/v1", requests: one },
    );
    expect(cost.costUsd).toBe(0);
    expect(cost.note).toBe("no price known for model gpt-4o-mini at http://127.0.0.1:8000/v1; cost reported as 0");
  });

  it("a vendor's endpoint is priced as that vendor", () => {
    const cost = costOf(
      "gpt-4o-mini",
      { input: million, output: 0 },
      { apiUrl: "https://api.openai.com/v1", requests: one },
    );
    expect(cost.costUsd).toBeCloseTo(0.15, 12);
  });

  it("counts that are not positive numbers count as none", () => {
    const cost = costOf(
      "gpt-5",
      { input: -5, cacheRead: Number.NaN, output: 1_000 },
      { provider: "openai", requests: one },
    );
    expect(cost.costUsd).toBeCloseTo((1_000 * 10) / million, 12);
  });
});

describe("prices.json", () => {
  it("names the genai-prices release that is installed", () => {
    const require = createRequire(import.meta.url);
    const packageJson = join(dirname(require.resolve("@pydantic/genai-prices")), "..", "package.json");
    const installed = JSON.parse(readFileSync(packageJson, "utf8")) as { version: string };
    expect(priceFile.base.version).toBe(installed.version);
    expect(priceTableVersion).toBe(`${priceFile.version} (genai-prices ${installed.version})`);
  });

  it("overrides only what the package lacks or prices differently", () => {
    for (const row of priceFile.overrides) {
      const theirs = calcPrice({}, row.model, { providerId: row.provider });
      // When a release carries the same row, the override is dead weight: delete it.
      expect(theirs?.model_price ?? null, row.model).not.toMatchObject(row.prices);
    }
  });

  it("override tiers apply per request: Haiku 5.5 past 100k input tokens", () => {
    const tokens = { input: 120_000, output: 1_000 };
    const cost = costOf("claude-haiku-5-5", tokens, { provider: "anthropic", requests: "one" });
    expect(cost.costUsd).toBeCloseTo((120_000 * 0.5 + 1_000 * 2.5) / million, 12);
  });
});

function closeTo(value: number) {
  return expect.closeTo(value, 9);
}
