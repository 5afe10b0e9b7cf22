// What the browser worker (the dashboard's "Work on this phone") shares with this package: the API tools,
// which are pure fetch and stream parsing, the REST client of the worker HTTP API, and how a run becomes
// the report the server stores. Nothing here may import a Node module: the dashboard bundles it.
export { ApiError, RestClient, UnreachableError } from "./agent/rest.ts";
export type { Report } from "./agent/report.ts";
export { reportOf, splitChunk } from "./agent/reports.ts";
export { failureOutcome, type TaskOutcome } from "./executor/outcome.ts";
export { AnthropicTool, type AnthropicSettings } from "./tools/anthropic.ts";
export { GeminiApiTool, type GeminiApiSettings } from "./tools/gemini-api.ts";
export { OpenAiCompatibleTool, type OpenAiCompatibleSettings } from "./tools/openai-compatible.ts";
export { priceTableVersion } from "./tools/pricing.ts";
export type { OutputStream, RunContext, Tool, ToolTask } from "./tools/tool.ts";
