// The one way the dashboard talks HTTP to the API: bearer token, one refresh-and-retry on 401,
// problem+json errors as ApiError, and "server unreachable" reported to the connectivity banner.
import type { Problem } from "@garageswarm/protocol";
import { markReachable, markUnreachable } from "./connectivity.ts";
import { accessTokenFresh, getAccessToken, hasStoredSession, refreshTokens } from "./tokens.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail ?? problem?.title ?? `The server answered ${status}`);
  }

  /** Field errors by field name without the `body.`/`query.` context, for showing beside each input. */
  fieldErrors(): Record<string, string> {
    const byField: Record<string, string> = {};
    for (const { field, message } of this.problem?.errors ?? []) {
      const name = field.replace(/^(body|query|path)\./, "");
      byField[name] ??= message;
    }
    return byField;
  }

  /** The server has no such route: this part of the API is not deployed yet. */
  get routeMissing(): boolean {
    return this.status === 404 && (this.problem?.detail ?? "").startsWith("No route");
  }
}

export class UnreachableError extends Error {
  constructor() {
    super("The server cannot be reached.");
  }
}

let sessionExpiredHandler: () => void = () => {};

/** Set by the session module: what to do when the refresh token is refused too. */
export function onSessionExpired(handler: () => void): void {
  sessionExpiredHandler = handler;
}

export interface RequestOptions {
  /** Send the access token (default). Off for login/register. */
  auth?: boolean;
  signal?: AbortSignal;
  /** Read the body as text (a patch) rather than JSON. */
  text?: boolean;
}

export async function apiRequest<T>(
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  const auth = options.auth ?? true;
  if (auth && !accessTokenFresh() && hasStoredSession()) await refreshOrThrow();
  const accept = options.text ? "text/plain, text/x-diff" : "application/json";
  let response = await send(method, path, body, auth ? getAccessToken() : null, options.signal, accept);
  if (response.status === 401 && auth && !(await namesAField(response))) {
    if ((await refreshOrThrow()) === "refreshed") {
      response = await send(method, path, body, getAccessToken(), options.signal, accept);
    }
    if (response.status === 401 && !(await namesAField(response))) sessionExpiredHandler();
  }
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  if (options.text) return text as T;
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => apiRequest<T>("GET", path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>("POST", path, body, options),
  patch: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>("PATCH", path, body, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => apiRequest<T>("PUT", path, body, options),
  delete: <T>(path: string, options?: RequestOptions) => apiRequest<T>("DELETE", path, undefined, options),
};

async function refreshOrThrow() {
  const outcome = await refreshTokens();
  if (outcome === "unreachable") {
    markUnreachable();
    throw new UnreachableError();
  }
  return outcome;
}

async function send(
  method: string,
  path: string,
  body: unknown,
  token: string | null,
  signal: AbortSignal | undefined,
  accept: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    markUnreachable();
    throw new UnreachableError();
  }
  // A proxy in front of a stopped server answers 502-504 without a problem document.
  const isProblem = response.headers.get("content-type")?.includes("problem+json") ?? false;
  if ([502, 503, 504].includes(response.status) && !isProblem) {
    markUnreachable();
    throw new UnreachableError();
  }
  markReachable();
  return response;
}

/** A 401 that names a field (a wrong current password) is about the input, not about the session. */
async function namesAField(response: Response): Promise<boolean> {
  const problem = await readProblem(response.clone());
  return (problem?.errors ?? []).some((error) => error.field.startsWith("body."));
}

async function readProblem(response: Response): Promise<Problem | null> {
  try {
    const body = (await response.json()) as Problem;
    return typeof body === "object" && body !== null && "status" in body ? body : null;
  } catch {
    return null;
  }
}

/** A message for any error a query or mutation may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError && error.routeMissing) return "This server does not offer this yet.";
  if (error instanceof Error) return error.message;
  return String(error);
}
