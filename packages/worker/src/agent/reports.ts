// How a finished run becomes the report the server stores: a result within the wire's limits, or an
// error saying what went wrong with the tail of the output, and whether another attempt could help.
import type { TaskResult } from "@garageswarm/protocol";
import type { TaskOutcome } from "../executor/outcome.ts";
import type { Report } from "./report.ts";

/** The REST fail body takes at most this much error text (the WebSocket takes more; REST is the floor). */
const MAX_ERROR_CHARS = 20_000;
/** Below the protocol's 10 MB output limit, leaving room for the rest of the body. */
const MAX_OUTPUT_CHARS = 9_000_000;
/** The longest agent session id the server stores; a longer one is no id any CLI hands out. */
const MAX_SESSION_ID_CHARS = 200;
/** POST /complete takes 12 MiB; a report carrying a patch keeps below this, output trimmed to make room. */
const MAX_REPORT_BYTES = 11 * 1024 * 1024;
/** Output chunks on the wire: small enough that one envelope stays far below the server's frame limit. */
export const MAX_CHUNK_CHARS = 65_536;

export interface ReportContext {
  attempt_token: string;
  /** The worker gave the task back (draining past its deadline): another worker should run it. */
  handedBack: boolean;
}

export function reportOf(outcome: TaskOutcome, context: ReportContext): Report {
  const base = { task_id: outcome.task_id, attempt_token: context.attempt_token };
  if (outcome.status === "completed") return { ...base, kind: "complete", result: boundResult(outcome.result) };
  if (context.handedBack) {
    return {
      ...base,
      kind: "fail",
      error: "the worker shut down before the task finished; handed back",
      retryable: true,
    };
  }
  const { error } = outcome;
  const tail = error.output ? `\n--- output (tail) ---\n${error.output.slice(-4_000)}` : "";
  const sessionId = error.session_id && error.session_id.length <= MAX_SESSION_ID_CHARS ? error.session_id : undefined;
  return {
    ...base,
    kind: "fail",
    error: `${error.message}${tail}`.slice(0, MAX_ERROR_CHARS),
    // A cancelled or timed-out run would end the same way again, and so would a task the tool cannot take
    // as it is; a tool failure may not (another worker, a passing outage), and the server's max_attempts
    // bounds the retries. A limit is no failure of the task: it waits for the reset, its attempt not counted.
    retryable: outcome.status === "failed" && error.kind !== "input",
    ...(error.limit ? { limit: error.limit } : {}),
    ...(sessionId ? { session_id: sessionId } : {}),
  };
}

function boundResult(result: TaskResult): TaskResult {
  let bounded = boundOutput(result);
  if (bounded.code?.patch === undefined) return bounded;
  // A patch (up to 5 MiB) and a long output together could pass the body limit: the output gives way.
  let keep = bounded.output.length;
  for (
    let excess = reportBytes(bounded) - MAX_REPORT_BYTES;
    excess > 0;
    excess = reportBytes(bounded) - MAX_REPORT_BYTES
  ) {
    if (keep === 0) break;
    keep = Math.max(0, keep - excess);
    bounded = {
      ...bounded,
      output: `[output truncated to its last ${keep} characters to make room for the patch]\n${keep > 0 ? result.output.slice(-keep) : ""}`,
      detail: { ...bounded.detail, output_truncated: true, output_chars: result.output.length },
    };
  }
  return bounded;
}

function reportBytes(result: TaskResult): number {
  return Buffer.byteLength(JSON.stringify(result));
}

function boundOutput(result: TaskResult): TaskResult {
  if (result.output.length <= MAX_OUTPUT_CHARS) return result;
  return {
    ...result,
    output: `[output truncated to its last ${MAX_OUTPUT_CHARS} characters]\n${result.output.slice(-MAX_OUTPUT_CHARS)}`,
    detail: { ...result.detail, output_truncated: true, output_chars: result.output.length },
  };
}

/** Splits a chunk for the wire, keeping surrogate pairs whole. */
export function splitChunk(chunk: string, max = MAX_CHUNK_CHARS): string[] {
  if (chunk.length <= max) return [chunk];
  const pieces: string[] = [];
  let start = 0;
  while (start < chunk.length) {
    let end = Math.min(start + max, chunk.length);
    const last = chunk.charCodeAt(end - 1);
    if (end < chunk.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(chunk.slice(start, end));
    start = end;
  }
  return pieces;
}
