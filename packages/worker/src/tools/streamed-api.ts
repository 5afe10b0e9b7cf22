// What the vendor-SDK tools (anthropic, gemini_api, openai_compatible) share: detection is a live
// listing of models, and a run is one streamed call whose text is reported as it arrives and whose
// usage, read at the end, prices the result.
import type { TaskResult, ToolId, WorkerTool } from "@garageswarm/protocol";
import { abortReasonOf, describe, statusOf, ToolAbortedError, ToolRunError } from "./errors.ts";
import { costOf, type PriceLookup, type Tokens } from "./pricing.ts";
import { buildResult } from "./result.ts";
import type { RunContext } from "./tool.ts";

/** Healthy with the listed models, or unhealthy saying why the listing failed. */
export async function detectByListing(
  tool: ToolId,
  listModels: () => Promise<string[]>,
  /** Said about a healthy listing (e.g. that tasks must name a model). */
  remark?: (models: string[]) => string | undefined,
): Promise<WorkerTool> {
  try {
    const models = await listModels();
    const detail = remark?.(models);
    return { name: tool, version: null, models, healthy: true, ...(detail ? { detail } : {}) };
  } catch (error) {
    return { name: tool, version: null, models: [], healthy: false, detail: describe(error) };
  }
}

/** What a streamed call knows once its stream has ended. */
export interface StreamedReply {
  model: string;
  /** One request's tokens, by how they are billed. */
  tokens: Tokens;
  /** Vendor facts for the result's detail (stop reason, message id…), after `model`. */
  detail: Record<string, unknown>;
  /** Something the reader of the result must not miss (the answer was cut off): in detail.note and on stderr. */
  note?: string;
}

/**
 * Runs `call`, which streams the reply and hands each piece of text to `emit`. Failures keep the text
 * streamed so far: an abort becomes ToolAbortedError, anything else but a ToolRunError becomes
 * ToolRunError "`apiName` failed: …" with the HTTP status where the SDK gives one.
 */
export async function runStreamedCall(
  tool: ToolId,
  apiName: string,
  context: RunContext,
  prices: Omit<PriceLookup, "requests">,
  call: (emit: (text: string | null | undefined) => void) => Promise<StreamedReply>,
): Promise<TaskResult> {
  let output = "";
  let reply: StreamedReply;
  try {
    reply = await call((text) => {
      if (!text) return;
      output += text;
      context.onOutput(text, "stdout");
    });
    // Some SDK streams end quietly when aborted instead of throwing.
    context.signal.throwIfAborted();
  } catch (error) {
    if (context.signal.aborted) throw new ToolAbortedError(abortReasonOf(context.signal), tool, output);
    if (error instanceof ToolRunError) throw error;
    throw new ToolRunError(`${apiName} failed: ${describe(error)}`, tool, output, null, statusOf(error));
  }
  const { model, tokens, detail, note } = reply;
  if (note) context.onOutput(`\n${note}\n`, "stderr");
  const cost = costOf(model, tokens, { ...prices, requests: "one" });
  return buildResult({
    output,
    inputTokens: tokens.input + (tokens.cacheRead ?? 0) + (tokens.cacheWrite ?? 0),
    outputTokens: tokens.output,
    costUsd: cost.costUsd,
    detail: {
      model,
      ...detail,
      ...(tokens.cacheRead ? { cached_input_tokens: tokens.cacheRead } : {}),
      ...(tokens.cacheWrite ? { cache_write_input_tokens: tokens.cacheWrite } : {}),
      ...(note ? { note } : {}),
      price_table: cost.priceTable,
      ...(cost.note ? { cost_note: cost.note } : {}),
    },
  });
}
