// What the browser worker (the dashboard's "Work on this phone") shares with this package: the API tools,
// which are pure fetch and stream parsing, the REST client of the worker HTTP API, and how a run becomes
// the report the server stores. Nothing here may import a Node module: the dashboard bundles it.

export type { Report } from "./agent/report.ts";
export { reportOf, splitChunk } from "./agent/reports.ts";
export { ApiError, RestClient, UnreachableError } from "./agent/rest.ts";
export { failureOutcome, type TaskOutcome } from "./executor/outcome.ts";
export { type AnthropicSettings, AnthropicTool } from "./tools/anthropic.ts";
export { type GeminiApiSettings, GeminiApiTool } from "./tools/gemini-api.ts";
export { type OpenAiCompatibleSettings, OpenAiCompatibleTool } from "./tools/openai-compatible.ts";
export { priceTableVersion } from "./tools/pricing.ts";
export type { OutputStream, RunContext, Tool, ToolTask } from "./tools/tool.ts";
