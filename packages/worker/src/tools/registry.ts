// Builds the worker's tools from its configuration. API tools exist only when their key (or, for an
// OpenAI-compatible server, its URL) is configured; CLI tools always exist and detect() finds out
// whether the executable is installed.
import type { ToolId, WorkerTool } from "@garageswarm/protocol";
import { AnthropicTool } from "./anthropic.ts";
import { ClaudeCodeTool } from "./claude-code.ts";
import type { CliSettings } from "./cli.ts";
import { CodexCliTool } from "./codex-cli.ts";
import { loadToolsConfig, type ToolsConfig, type ToolsConfigInput } from "./config.ts";
import { toolEnvironment, validatePassEnv } from "./environment.ts";
import { GeminiApiTool } from "./gemini-api.ts";
import { GeminiCliTool } from "./gemini-cli.ts";
import { OllamaTool } from "./ollama.ts";
import { OpenAiCompatibleTool } from "./openai-compatible.ts";
import { ShellTool } from "./shell.ts";
import type { Tool } from "./tool.ts";

export interface ToolRegistry {
  readonly config: ToolsConfig;
  /** The tool with this id, or undefined when it is not configured on this worker. */
  get(id: ToolId): Tool | undefined;
  all(): Tool[];
  /** Detects every tool at once; only the tools found (installed, reachable or configured) are returned. */
  detectAll(): Promise<WorkerTool[]>;
}

export interface ToolRegistryOptions extends ToolsConfigInput {
  /**
   * The worker's environment: where keys and hosts are read from. Tool processes get only an allow-listed
   * part of it (see environment.ts), never all of it.
   */
  env?: NodeJS.ProcessEnv;
  /** Extra variable names the worker's owner passes to tool processes (--pass-env). */
  passEnv?: readonly string[];
}

export function createToolRegistry(options: ToolRegistryOptions = {}): ToolRegistry {
  const { env = process.env, passEnv = [], ...settings } = options;
  const config = loadToolsConfig(settings, env);
  const allowedExtra = validatePassEnv(passEnv);
  const cli = (tool: ToolId, command: string): CliSettings => ({
    command,
    env: toolEnvironment(tool, env, allowedExtra),
    killGraceMs: config.killGraceMs,
  });

  const tools = new Map<ToolId, Tool>();
  const add = (tool: Tool) => tools.set(tool.id, tool);
  add(
    new ClaudeCodeTool({
      ...cli("claude_code", config.claudeCommand),
      defaultPermissionMode: config.claudePermissionMode,
    }),
  );
  add(new GeminiCliTool(cli("gemini_cli", config.geminiCommand)));
  add(new CodexCliTool(cli("codex_cli", config.codexCommand)));
  add(new OllamaTool({ host: config.ollamaHost, defaultModel: config.ollamaModel }));
  if (config.anthropicApiKey) {
    add(
      new AnthropicTool({
        apiKey: config.anthropicApiKey,
        baseUrl: config.anthropicBaseUrl,
        defaultModel: config.anthropicModel,
      }),
    );
  }
  if (config.geminiApiKey) {
    add(
      new GeminiApiTool({
        apiKey: config.geminiApiKey,
        baseUrl: config.geminiBaseUrl,
        defaultModel: config.geminiModel,
      }),
    );
  }
  if (config.openaiApiKey || config.openaiBaseUrl) {
    add(
      new OpenAiCompatibleTool({
        apiKey: config.openaiApiKey,
        baseUrl: config.openaiBaseUrl,
        defaultModel: config.openaiModel,
      }),
    );
  }
  const shell = cli("shell", "");
  add(new ShellTool({ env: shell.env, killGraceMs: shell.killGraceMs }, config.enableShell));

  return {
    config,
    get: (id) => tools.get(id),
    all: () => [...tools.values()],
    detectAll: async () => {
      const found = await Promise.all([...tools.values()].map((tool) => tool.detect().catch(() => null)));
      return found.filter((tool): tool is WorkerTool => tool !== null);
    },
  };
}
