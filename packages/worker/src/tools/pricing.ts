// List prices in USD per million tokens, for tools whose API does not report cost itself.
// Matched by model-name prefix, longest first. Unknown models cost 0 and the result says so.
// Keep in step with the vendors' pricing pages; a stale price only misreports, it never blocks a task.
const pricesPerMillion: ReadonlyArray<readonly [prefix: string, input: number, output: number]> = [
  // Anthropic
  ["claude-opus-4-5", 5, 25],
  ["claude-opus-4", 15, 75],
  ["claude-sonnet-4", 3, 15],
  ["claude-3-7-sonnet", 3, 15],
  ["claude-3-5-sonnet", 3, 15],
  ["claude-haiku-4-5", 1, 5],
  ["claude-3-5-haiku", 0.8, 4],
  ["claude-3-haiku", 0.25, 1.25],
  // Google
  ["gemini-2.5-pro", 1.25, 10],
  ["gemini-2.5-flash-lite", 0.1, 0.4],
  ["gemini-2.5-flash", 0.3, 2.5],
  ["gemini-2.0-flash-lite", 0.075, 0.3],
  ["gemini-2.0-flash", 0.1, 0.4],
  // OpenAI
  ["gpt-5-mini", 0.25, 2],
  ["gpt-5-nano", 0.05, 0.4],
  ["gpt-5", 1.25, 10],
  ["gpt-4.1-mini", 0.4, 1.6],
  ["gpt-4.1-nano", 0.1, 0.4],
  ["gpt-4.1", 2, 8],
  ["gpt-4o-mini", 0.15, 0.6],
  ["gpt-4o", 2.5, 10],
  ["o4-mini", 1.1, 4.4],
  ["o3", 2, 8],
];

const byLongestPrefix = [...pricesPerMillion].sort((a, b) => b[0].length - a[0].length);

export interface Cost {
  costUsd: number;
  /** Set when the model has no known price, so a cost of 0 is not mistaken for free. */
  note?: string;
}

export function costOf(model: string | null | undefined, inputTokens: number, outputTokens: number): Cost {
  const name = (model ?? "").toLowerCase().replace(/^models\//, "");
  const price = byLongestPrefix.find(([prefix]) => name.startsWith(prefix));
  if (!price) return { costUsd: 0, note: `no price known for model ${model ?? "(default)"}; cost reported as 0` };
  return { costUsd: (inputTokens * price[1] + outputTokens * price[2]) / 1_000_000 };
}
