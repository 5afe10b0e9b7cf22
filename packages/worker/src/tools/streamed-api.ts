// What the vendor-SDK tools (anthropic, gemini_api, openai_compatible) share: detection is a live
// listing of models, and a run is one streamed call whose text is reported as it arrives and whose
// usage, read at the end, prices the result.
import type { TaskResult, ToolId, WorkerTool } from "@garageswarm/protocol";
import { abortReasonOf, describe, statusOf, ToolAbortedError, ToolRunError } from "./errors.ts";
import { costOf } from "./pricing.ts";
import { buildResult } from "./result.ts";
import type { RunContext } from "./tool.ts";

/** Healthy with the listed models, or unhealthy saying why the listing failed. */
export async function detectByListing(tool: ToolId, listModels: () => Promise<string[]>): Promise<WorkerTool> {
  try {
    return { name: tool, version: null, models: await listModels(), healthy: true };
  } catch (error) {
    return { name: tool, version: null, models: [], healthy: false, detail: describe(error) };
  }
}

/** What a streamed call knows once its stream has ended. */
export interface StreamedReply {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** Vendor facts for the result's detail (stop reason, message id…), after `model`. */
  detail: Record<string, unknown>;
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
  const { model, inputTokens, outputTokens, detail } = reply;
  const cost = costOf(model, inputTokens, outputTokens);
  return buildResult({
    output,
    inputTokens,
    outputTokens,
    costUsd: cost.costUsd,
    detail: { model, ...detail, ...(cost.note ? { cost_note: cost.note } : {}) },
  });
}
