// Which tools a worker can build, and how to reach them: executable names, hosts, API keys.
// Keys and hosts come from the usual env variables of each vendor; explicit settings win.
import { z } from "zod";
import { ollamaBaseUrl } from "./ollama-host.ts";

export const ToolsConfig = z.object({
  /** The shell tool runs arbitrary commands: off unless the worker's owner turns it on explicitly. */
  enableShell: z.boolean().default(false),
  /** How long a cancelled tool's process tree gets between SIGTERM and SIGKILL. */
  killGraceMs: z.number().int().nonnegative().default(2_000),
  claudeCommand: z.string().min(1).default("claude"),
  /**
   * Claude Code's permission mode for tasks that name none. acceptEdits lets an edit task edit files in its
   * workdir (with `default`, headless edits are denied and the run still "succeeds"); only the modes that
   * keep the agent inside the workdir are allowed here: wider ones are per task, behind
   * --allow-unsafe-agent-modes.
   */
  claudePermissionMode: z.enum(["default", "acceptEdits", "plan", "dontAsk"]).default("acceptEdits"),
  geminiCommand: z.string().min(1).default("gemini"),
  codexCommand: z.string().min(1).default("codex"),
  /** OLLAMA_HOST as Ollama reads it (see ollama-host.ts); the loaded config holds the base URL it names. */
  ollamaHost: z.string().min(1).default("127.0.0.1:11434"),
  ollamaModel: z.string().min(1).optional(),
  anthropicApiKey: z.string().min(1).optional(),
  anthropicBaseUrl: z.url().optional(),
  anthropicModel: z.string().min(1).default("claude-sonnet-4-5"),
  geminiApiKey: z.string().min(1).optional(),
  geminiBaseUrl: z.url().optional(),
  geminiModel: z.string().min(1).default("gemini-2.5-flash"),
  openaiApiKey: z.string().min(1).optional(),
  openaiBaseUrl: z.url().optional(),
  openaiModel: z.string().min(1).optional(),
});
export type ToolsConfig = z.infer<typeof ToolsConfig>;
export type ToolsConfigInput = z.input<typeof ToolsConfig>;

/** The env variable each setting reads. enableShell has none on purpose: it must be a deliberate flag. */
export const toolEnvNames: Partial<Record<keyof ToolsConfig, readonly string[]>> = {
  claudeCommand: ["GARAGESWARM_CLAUDE_COMMAND"],
  claudePermissionMode: ["GARAGESWARM_CLAUDE_PERMISSION_MODE"],
  geminiCommand: ["GARAGESWARM_GEMINI_COMMAND"],
  codexCommand: ["GARAGESWARM_CODEX_COMMAND"],
  ollamaHost: ["OLLAMA_HOST"],
  ollamaModel: ["GARAGESWARM_OLLAMA_MODEL"],
  anthropicApiKey: ["ANTHROPIC_API_KEY"],
  anthropicBaseUrl: ["ANTHROPIC_BASE_URL"],
  anthropicModel: ["GARAGESWARM_ANTHROPIC_MODEL"],
  geminiApiKey: ["GEMINI_API_KEY", "GOOGLE_API_KEY"],
  geminiBaseUrl: ["GOOGLE_GEMINI_BASE_URL"],
  geminiModel: ["GARAGESWARM_GEMINI_MODEL"],
  openaiApiKey: ["OPENAI_API_KEY"],
  openaiBaseUrl: ["OPENAI_BASE_URL"],
  openaiModel: ["GARAGESWARM_OPENAI_MODEL"],
};

/** Merges env and explicit settings (explicit wins) and validates them. */
export function loadToolsConfig(settings: ToolsConfigInput = {}, env: NodeJS.ProcessEnv = process.env): ToolsConfig {
  const raw: Record<string, unknown> = {};
  for (const [key, names] of Object.entries(toolEnvNames)) {
    const value = names?.map((name) => env[name]).find((found) => found !== undefined && found !== "");
    if (value !== undefined) raw[key] = value;
  }
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) raw[key] = value;
  const config = ToolsConfig.parse(raw);
  return { ...config, ollamaHost: ollamaBaseUrl(config.ollamaHost) };
}
