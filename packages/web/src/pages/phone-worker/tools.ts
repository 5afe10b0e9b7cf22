// The API tools this phone can run, built from the keys kept on it, with the same adapters as a Node worker.
import type { ToolId, WorkerTool } from "@garageswarm/protocol";
import { AnthropicTool, GeminiApiTool, OpenAiCompatibleTool, type Tool } from "@garageswarm/worker/browser";
import type { DeviceSettings } from "./device.ts";

/** The tools a phone may run: API tools only; CLI agents and the shell need a computer. */
export const phoneToolIds = ["anthropic", "gemini_api", "openai_compatible"] as const satisfies readonly ToolId[];
export type PhoneToolId = (typeof phoneToolIds)[number];

/** The defaults a Node worker uses too (packages/worker/src/tools/config.ts). */
const defaultModels = { anthropic: "claude-sonnet-4-5", gemini_api: "gemini-2.5-flash" };

export function configuredTools(settings: DeviceSettings): Tool[] {
  const tools: Tool[] = [];
  const { anthropic, gemini_api: gemini, openai_compatible: openai } = settings;
  if (anthropic.api_key) {
    tools.push(
      new AnthropicTool({
        apiKey: anthropic.api_key,
        ...(anthropic.base_url ? { baseUrl: anthropic.base_url } : {}),
        defaultModel: anthropic.model ?? defaultModels.anthropic,
        inBrowser: true,
      }),
    );
  }
  if (gemini.api_key) {
    tools.push(
      new GeminiApiTool({
        apiKey: gemini.api_key,
        ...(gemini.base_url ? { baseUrl: gemini.base_url } : {}),
        defaultModel: gemini.model ?? defaultModels.gemini_api,
      }),
    );
  }
  // A local server needs no key; OpenAI's own API needs one.
  if (openai.api_key || openai.base_url) {
    tools.push(
      new OpenAiCompatibleTool({
        ...(openai.api_key ? { apiKey: openai.api_key } : {}),
        ...(openai.base_url ? { baseUrl: openai.base_url } : {}),
        ...(openai.model ? { defaultModel: openai.model } : {}),
        inBrowser: true,
      }),
    );
  }
  return tools;
}

/** Each tool with what it reports to the server: its models when its API answered, else unhealthy and why. */
export async function detectTools(tools: Tool[]): Promise<{ tool: Tool; detected: WorkerTool }[]> {
  return Promise.all(
    tools.map(async (tool) => ({
      tool,
      detected: (await tool.detect()) ?? { name: tool.id, version: null, models: [], healthy: false },
    })),
  );
}
