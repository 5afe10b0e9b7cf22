import { z } from "zod";

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
  })
  .strict();
export type TaskResult = z.infer<typeof TaskResult>;
