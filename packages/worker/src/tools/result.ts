// Builds the TaskResult every tool returns, validated against the protocol schema so a tool can never
// hand the connection layer something the server would reject.
import { TaskResult } from "@garageswarm/protocol";

const maxOutputChars = 10_000_000;

export interface ResultParts {
  output: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  exitCode?: number | null;
  detail?: Record<string, unknown>;
}

export function buildResult(parts: ResultParts): TaskResult {
  const output = parts.output.length > maxOutputChars ? parts.output.slice(-maxOutputChars) : parts.output;
  return TaskResult.parse({
    output,
    usage: {
      input_tokens: count(parts.inputTokens),
      output_tokens: count(parts.outputTokens),
      cost_usd: Math.max(0, parts.costUsd ?? 0),
    },
    exit_code: parts.exitCode ?? null,
    structured: parseJsonOutput(output),
    detail: parts.detail ?? {},
  });
}

/** The output parsed as JSON when it is a JSON object or array (agents are often asked for JSON). */
export function parseJsonOutput(output: string): unknown {
  const trimmed = output.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

function count(value: number | undefined): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

/** Reads a number from an untyped JSON object, 0 when absent. */
export function numberField(object: unknown, key: string): number {
  if (typeof object !== "object" || object === null) return 0;
  const value = (object as Record<string, unknown>)[key];
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** Reads a string from an untyped JSON object. */
export function stringField(object: unknown, key: string): string | undefined {
  if (typeof object !== "object" || object === null) return undefined;
  const value = (object as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}
