// What a run cost, for tools whose API does not report it. List prices come from @pydantic/genai-prices,
// a maintained table (Anthropic, Google, OpenAI and many more, cached-input and long-context rates
// included), pinned to one release; prices.json adds our own rows only for what that release lacks and
// names the table's version. To update: bump the package, re-check the overrides, bump prices.json.
// A stale price only misreports a cost; it never blocks a task.
import { calcPrice, findProvider, type ModelPrice, type Provider } from "@pydantic/genai-prices";
import { z } from "zod";
import prices from "./prices.json" with { type: "json" };

const Rate = z.union([
  z.number().nonnegative(),
  z.object({
    base: z.number().nonnegative(),
    tiers: z.array(z.object({ start: z.number().int().nonnegative(), price: z.number().nonnegative() })),
  }),
]);

const PriceFile = z.object({
  version: z.string().min(1),
  updated: z.iso.date(),
  base: z.object({ package: z.literal("@pydantic/genai-prices"), version: z.string().min(1) }),
  overrides: z.array(
    z.object({
      provider: z.string().min(1),
      /** A model-name prefix, so dated snapshots (`…-20261007`) match too. */
      model: z.string().min(1),
      why: z.string().min(1),
      source: z.url(),
      prices: z
        .object({
          input_mtok: Rate,
          output_mtok: Rate,
          cache_read_mtok: Rate.optional(),
          cache_write_mtok: Rate.optional(),
        })
        .strict(),
    }),
  ),
});

// Imported rather than read from disk, so the single-file worker bundle carries it.
export const priceFile = PriceFile.parse(prices);

/** Which prices a result was costed with, for its detail (`price_table`). */
export const priceTableVersion = `${priceFile.version} (genai-prices ${priceFile.base.version})`;

/** Our rows, as one genai-prices provider per vendor, longest prefix first. */
const overrides = new Map<string, Provider>();
for (const row of [...priceFile.overrides].sort((a, b) => b.model.length - a.model.length)) {
  const provider = overrides.get(row.provider) ?? {
    id: row.provider,
    name: `${row.provider} (GarageSwarm overrides)`,
    api_pattern: "^$",
    models: [],
  };
  provider.models.push({ id: row.model, match: { starts_with: row.model }, prices: row.prices });
  overrides.set(row.provider, provider);
}

/** Token counts by how they are billed. Each kind counts apart: `input` excludes cached input. */
export interface Tokens {
  /** Input read at the full price: not from the cache, not written to it. */
  input: number;
  /** Input read from the prompt cache (OpenAI/Gemini "cached", Anthropic cache_read). */
  cacheRead?: number;
  /** Input written to the prompt cache (Anthropic cache_creation). */
  cacheWrite?: number;
  /** Output, reasoning or thinking tokens included: they are billed as output. */
  output: number;
}

export interface PriceLookup {
  /** The vendor whose list prices apply, when the tool knows it (a genai-prices provider id). */
  provider?: "anthropic" | "google" | "openai";
  /** Otherwise the endpoint: a known vendor's API (api.openai.com, openrouter.ai…) is priced, a local server is not. */
  apiUrl?: string;
  /**
   * `one`: the counts are one request's, so long-context rates apply above their threshold (200k input
   * tokens for most). `many`: totals over a session of requests, whose sizes are unknown, priced at base rates.
   */
  requests: "one" | "many";
}

export interface Cost {
  costUsd: number;
  /** The price table used, for the result's detail. */
  priceTable: string;
  /** Set when the model has no known price, so a cost of 0 is not mistaken for free. */
  note?: string;
}

export function costOf(model: string | null | undefined, tokens: Tokens, lookup: PriceLookup): Cost {
  const counts = {
    input: whole(tokens.input),
    cacheRead: whole(tokens.cacheRead),
    cacheWrite: whole(tokens.cacheWrite),
    output: whole(tokens.output),
  };
  const name = (model ?? "")
    .trim()
    .toLowerCase()
    .replace(/^models\//, "");
  const providerId =
    lookup.provider ?? (lookup.apiUrl ? findProvider({ providerApiUrl: lookup.apiUrl })?.id : undefined);
  const prices = name && providerId ? pricesOf(name, providerId) : null;
  if (!prices) {
    const where = lookup.apiUrl && !providerId ? ` at ${lookup.apiUrl}` : "";
    return {
      costUsd: 0,
      priceTable: priceTableVersion,
      note: `no price known for model ${model || "(default)"}${where}; cost reported as 0`,
    };
  }
  const totalInput = counts.input + counts.cacheRead + counts.cacheWrite;
  const rate = (price: ModelPrice[string]): number | undefined => {
    if (price === undefined || typeof price === "number") return price;
    if (lookup.requests === "many") return price.base;
    // Past a tier's threshold every token of the request is billed at that tier (genai-prices' rule too).
    return price.tiers.reduce((current, tier) => (totalInput > tier.start ? tier.price : current), price.base);
  };
  const input = rate(prices.input_mtok) ?? 0;
  const costUsd =
    (counts.input * input +
      counts.cacheRead * (rate(prices.cache_read_mtok) ?? input) +
      counts.cacheWrite * (rate(prices.cache_write_mtok) ?? input) +
      counts.output * (rate(prices.output_mtok) ?? 0)) /
    1_000_000;
  return { costUsd, priceTable: priceTableVersion };
}

/** The model's current prices: our override row first, else the package's table for that vendor. */
function pricesOf(name: string, providerId: string): ModelPrice | null {
  const override = overrides.get(providerId);
  const found = (override ? calcPrice({}, name, { provider: override }) : null) ?? calcPrice({}, name, { providerId });
  return found?.model_price ?? null;
}

function whole(count: number | undefined): number {
  return typeof count === "number" && Number.isFinite(count) && count > 0 ? count : 0;
}
