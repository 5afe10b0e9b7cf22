import { z } from "zod";
import { CodeResult } from "./code.ts";

/** The AI tools a worker can run. Clients rely on these ids. */
export const ToolId = z.enum([
  "claude_code",
  "gemini_cli",
  "codex_cli",
  "ollama",
  "anthropic",
  "gemini_api",
  "openai_compatible",
  "shell",
]);
export type ToolId = z.infer<typeof ToolId>;

/** The tools that can work on a repository (a code task's `repo`): the agent CLIs, which edit files, and `shell`. */
export const CODE_TOOLS: readonly ToolId[] = ["claude_code", "codex_cli", "gemini_cli", "shell"];

/**
 * The tools that answer a text prompt, in the order `tool: "any"` tries them. Not `shell`: a command is
 * not a prompt.
 */
export const TEXT_TOOLS: readonly ToolId[] = [
  "claude_code",
  "codex_cli",
  "gemini_cli",
  "anthropic",
  "openai_compatible",
  "gemini_api",
  "ollama",
];

/**
 * A tool said it may not be used for a while: a subscription's usage window (Claude's 5-hour limit), a
 * rate limit, or an exhausted quota. Not a failure of the task: it waits (or fails over) and keeps its
 * attempts.
 */
export const ToolLimit = z.object({
  kind: z.enum(["usage_limit", "rate_limit", "quota"]),
  /** When the tool said the limit resets; null when it did not say. */
  resets_at: z.iso.datetime({ offset: true }).nullable(),
  /** The tool's own words, e.g. "You've hit your limit · resets 7pm (Europe/Berlin)". */
  message: z.string().max(2000),
});
export type ToolLimit = z.infer<typeof ToolLimit>;

/** A tool as a worker advertises it: detected, with its version, models and current health. */
export const WorkerTool = z.object({
  name: ToolId,
  version: z.string().max(200).nullable().default(null),
  models: z.array(z.string().max(200)).max(500).default([]),
  healthy: z.boolean().default(true),
  detail: z.string().max(2000).optional(),
  /**
   * The worker's owner allows task options that widen this agent's powers (Claude Code bypassPermissions,
   * codex danger-full-access, gemini yolo…). Absent or false: such tasks are refused by the worker.
   */
  unsafe_modes: z.boolean().optional(),
  /** The tool accepts any model name its vendor accepts; `models` are then suggestions, not a whitelist. */
  any_model: z.boolean().optional(),
  /** Whether the tool is signed in (CLI tools: `claude auth status`, `codex login status`, Gemini's settings). */
  auth: z.enum(["logged_in", "not_logged_in", "unknown"]).optional(),
  /** The tool hit a limit and is not offered before this instant; the allocator passes over it. */
  limited_until: z.iso.datetime({ offset: true }).nullable().optional(),
  /** The limit's message, for the dashboard ("limited until 19:00: You've hit your limit"). */
  limit_message: z.string().max(2000).optional(),
  /** At most this many tasks of this tool run on the worker at once (`--max-concurrent claude_code=2`). */
  max_concurrent: z.number().int().min(1).max(256).optional(),
});
export type WorkerTool = z.infer<typeof WorkerTool>;

export const Usage = z.object({
  input_tokens: z.number().int().nonnegative().default(0),
  output_tokens: z.number().int().nonnegative().default(0),
  cost_usd: z.number().nonnegative().default(0),
});
export type Usage = z.infer<typeof Usage>;

/** What a finished attempt reports: the final text, token usage, and tool-specific detail. */
export const TaskResult = z
  .object({
    output: z.string().max(10_000_000),
    usage: Usage.default({ input_tokens: 0, output_tokens: 0, cost_usd: 0 }),
    exit_code: z.number().int().nullable().default(null),
    /** Parsed JSON when the output is JSON, or the tool's own structured result. */
    structured: z.unknown().optional(),
    artifacts: z.array(z.object({ name: z.string(), path: z.string(), bytes: z.number().int() })).default([]),
    /** Tool-specific detail: session id, turns, model actually used, duration. */
    detail: z.record(z.string(), z.unknown()).default({}),
    /** A code task's change: branch, diff stat, check result, and (from the worker only) the patch. */
    code: CodeResult.optional(),
  })
  .strict();
export type TaskResult = z.infer<typeof TaskResult>;
