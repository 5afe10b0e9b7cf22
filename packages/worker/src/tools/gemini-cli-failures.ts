// Why a headless Gemini CLI run failed, read from what 0.61 leaves behind: its exit code, the `result` event's
// error (API errors as "[API Error: <message or the API's JSON body>]") and the error class it logs on
// stderr (TerminalQuotaError, RetryableQuotaError…). Exit codes (cli/src/utils/errors.ts, core FatalError
// subclasses): 41 auth, 42 input, 44 sandbox, 52 config, 53 turn limit, 54 tool execution, 55 untrusted
// workspace, 130 cancelled; an API error exits with its HTTP status modulo 256 (400 → 144, 429 → 173).
import type { ToolLimit } from "@garageswarm/protocol";

export type GeminiFailure =
  | { kind: "limited"; limit: ToolLimit }
  /** Not signed in, or the key or login was refused: the worker's owner must fix it, not the task. */
  | { kind: "auth"; message: string }
  /** The task as given cannot work (bad request, unknown model, refused input): retrying cannot help. */
  | { kind: "input"; message: string }
  | { kind: "run"; message: string };

export interface FailureEvidence {
  exitCode: number | null;
  /** The `result` event's `error.message`, or the last `error` event's message. */
  message?: string;
  stderr: string;
  now: Date;
}

/** What the CLI prints when it cannot authenticate, plus how the worker's owner fixes it. */
export const signInHint =
  "To fix it on the worker's machine: run `gemini` once in a terminal and sign in with Google, or set " +
  'GEMINI_API_KEY in the worker\'s environment and security.auth.selectedType "gemini-api-key" in ' +
  "~/.gemini/settings.json; then restart the worker";

const statusByExitCode: Record<number, number> = { 144: 400, 145: 401, 147: 403, 148: 404, 173: 429, 243: 499 };

export function classifyFailure(evidence: FailureEvidence): GeminiFailure {
  const { exitCode, stderr } = evidence;
  const api = parseApiError(evidence.message);
  const message = api?.message ?? evidence.message?.trim() ?? "";
  const said = message || lastLines(stderr) || `gemini exited with code ${exitCode}`;

  switch (exitCode) {
    case 41:
      return { kind: "auth", message: `Gemini CLI's authentication failed: ${sentence(said)} ${signInHint}` };
    case 42:
      return { kind: "input", message: `Gemini CLI refused the input: ${said}` };
    case 44:
      return { kind: "run", message: `Gemini CLI's sandbox failed: ${said}` };
    case 52:
      return { kind: "run", message: `Gemini CLI's configuration is invalid on this worker: ${said}` };
    case 53:
      return {
        kind: "run",
        message: `Gemini CLI reached its session turn limit (model.maxSessionTurns in ~/.gemini/settings.json): ${said}`,
      };
    case 55:
      return { kind: "run", message: `Gemini CLI does not trust the task's directory: ${said}` };
  }

  const status = api?.code ?? (exitCode === null ? undefined : statusByExitCode[exitCode]);
  const errorClass = lastErrorClass(stderr);
  if (status === 429 || errorClass === "TerminalQuotaError" || errorClass === "RetryableQuotaError") {
    return classifyLimit(message, stderr, errorClass, evidence.now);
  }
  const authRefused =
    status === 401 ||
    status === 403 ||
    api?.reasons.includes("API_KEY_INVALID") ||
    /API key not valid|API_KEY_INVALID/i.test(message);
  if (authRefused) {
    return { kind: "auth", message: `Gemini CLI's credentials were refused: ${sentence(said)} ${signInHint}` };
  }
  if (status === 404 || errorClass === "ModelNotFoundError") {
    return { kind: "input", message: `Gemini CLI failed: the model was not found: ${said}` };
  }
  if (status === 400) return { kind: "input", message: `Gemini CLI failed: the API refused the request: ${said}` };
  return { kind: "run", message: `Gemini CLI failed: ${said}` };
}

/**
 * A 429 the CLI gave up on. A daily quota, exhausted credits or Code Assist's QUOTA_EXHAUSTED is a quota; a
 * per-minute limit or a busy model (capacity) is a rate limit. "limit: 0" means the key or project has no
 * quota at all for this model: waiting will not help, so it is a plain failure.
 */
function classifyLimit(message: string, stderr: string, errorClass: string | null, now: Date): GeminiFailure {
  const text = `${message}\n${stderr}`;
  if (/limit:\s*0(?![\d.])/i.test(text)) {
    return { kind: "run", message: `Gemini CLI failed: this key or project has no quota for the model: ${message}` };
  }
  const capacity = /exhausted your capacity|capacity exceeded|MODEL_CAPACITY_EXHAUSTED|MODEL_CAPACITY_EXCEEDED/i.test(
    text,
  );
  const quota =
    !capacity &&
    (errorClass === "TerminalQuotaError" ||
      /exhausted your daily quota|QUOTA_EXHAUSTED|INSUFFICIENT_G1_CREDITS_BALANCE/i.test(text));
  const delay = retryDelayMs(text);
  return {
    kind: "limited",
    limit: {
      kind: quota ? "quota" : "rate_limit",
      resets_at: delay === null ? null : new Date(now.getTime() + delay).toISOString(),
      message: message || lastLines(stderr),
    },
  };
}

/**
 * The wait the API asked for, as the CLI itself reads it: "Please retry in 21.69s." in the API's message, or
 * the RetryInfo delay it appends as "Suggested retry after 21s.". The longest one wins.
 */
export function retryDelayMs(text: string): number | null {
  let longest: number | null = null;
  for (const match of text.matchAll(/(?:Please retry in|Suggested retry after)\s+([0-9]+(?:\.[0-9]+)?)(ms|s)\b/g)) {
    const value = Number(match[1]) * (match[2] === "ms" ? 1 : 1000);
    if (Number.isFinite(value) && (longest === null || value > longest)) longest = value;
  }
  return longest;
}

interface ApiError {
  code?: number;
  message: string;
  reasons: string[];
}

/**
 * "[API Error: …]" as parseAndFormatApiError writes it: the API's whole JSON body for most HTTP errors, the
 * CLI's own sentence for quota errors ("You have exhausted your daily quota on this model."), followed by a
 * hint on the next lines for 429s.
 */
export function parseApiError(text: string | undefined): ApiError | null {
  const match = /^\[API Error: ([\s\S]*)\]/.exec(text?.trim() ?? "");
  if (!match) return null;
  const inner = match[1]!;
  try {
    const body = JSON.parse(inner) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const error = body.error;
    if (error && typeof error.message === "string") {
      const details = Array.isArray(error.details) ? (error.details as Array<{ reason?: unknown }>) : [];
      return {
        ...(typeof error.code === "number" ? { code: error.code } : {}),
        message: error.message.trim(),
        reasons: details.flatMap((detail) => (typeof detail?.reason === "string" ? [detail.reason] : [])),
      };
    }
  } catch {
    // not the API's JSON: the CLI's own sentence
  }
  return { message: inner.trim(), reasons: [] };
}

/** Ends the CLI's words with one full stop, so that a hint can follow. */
function sentence(text: string): string {
  return `${text.replace(/[.!\s]+$/, "")}.`;
}

/** The error class the CLI logged last ("… TerminalQuotaError: You have exhausted …"). */
function lastErrorClass(stderr: string): string | null {
  const found = [...stderr.matchAll(/\b(TerminalQuotaError|RetryableQuotaError|ModelNotFoundError)\b/g)];
  return found.at(-1)?.[1] ?? null;
}

/** The last few meaningful stderr lines, without the stack frames and the CLI's startup noise. */
function lastLines(stderr: string): string {
  return stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("at ") && !/^\[STARTUP\]|^Warning: 256-color|^Ripgrep/.test(line))
    .slice(-3)
    .join(" ")
    .slice(0, 2000);
}
