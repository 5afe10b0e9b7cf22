// Per-tool caps on one worker (`--max-concurrent claude_code=2`): a subscription may allow only so many
// sessions at once, whatever the worker's slots. Given as tool=n entries (flags, env) or an object
// (config.json); checked once at start-up, so a typo stops the worker with a message instead of doing nothing.
import { ToolId } from "@garageswarm/protocol";
import { z } from "zod";

const Cap = z.number().int().min(1).max(256);

/** The caps as config.json holds them: `{"claude_code": 2}`. */
export const MaxConcurrent = z.partialRecord(ToolId, Cap);
export type MaxConcurrent = z.infer<typeof MaxConcurrent>;

const CapText = z.string().regex(/^\d+$/).transform(Number).pipe(Cap);

/**
 * Parses `tool=n` entries, each of which may itself be a comma-separated list. `source` names the flag or
 * variable in errors.
 */
export function parseMaxConcurrent(entries: readonly string[], source: string): MaxConcurrent {
  const caps: MaxConcurrent = {};
  const items = entries
    .flatMap((entry) => entry.split(","))
    .map((item) => item.trim())
    .filter((item) => item !== "");
  for (const item of items) {
    const parts = item.split("=").map((part) => part.trim());
    if (parts.length !== 2 || !parts[0]) throw new Error(`${source}: "${item}" must be tool=n, e.g. claude_code=2`);
    const [name = "", value = ""] = parts;
    const tool = ToolId.safeParse(name);
    if (!tool.success) throw new Error(`${source}: unknown tool "${name}" (one of ${ToolId.options.join(", ")})`);
    const cap = CapText.safeParse(value);
    if (!cap.success)
      throw new Error(`${source}: the cap of ${name} must be a whole number from 1 to 256, got "${value}"`);
    if (caps[tool.data] !== undefined) throw new Error(`${source}: names ${name} twice`);
    caps[tool.data] = cap.data;
  }
  return caps;
}
