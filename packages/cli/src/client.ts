// How CLI commands talk to the server: JSON over HTTP with an API key (--key / GARAGESWARM_KEY) or the
// stored login (refreshed once when the access token has expired). Errors become one readable line.
import { readLogin, type StoredLogin, writeLogin } from "./config.ts";

/** An error meant for the person at the terminal: printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface ConnectionFlags {
  server?: string;
  key?: string;
}

export interface Client {
  readonly server: string;
  /** The credential in use, for the WebSocket. */
  credential(): string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export function normalizeServer(url: string): string {
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliError(`--server must be an http:// or https:// URL, got "${url}"`);
  return url.replace(/\/+$/, "");
}

/** Sends one request; network failures and error answers become CliErrors. */
export async function send(
  server: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${server}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach the server at ${server} (${cause?.code ?? cause?.message ?? (error as Error).message}); is it running?`,
    );
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: response.status, body };
}

export function problemMessage(status: number, body: unknown): string {
  const problem = body as { detail?: string; title?: string; errors?: Array<{ field: string; message: string }> };
  if (problem && typeof problem === "object" && (problem.detail || problem.title)) {
    return `${problem.detail ?? problem.title} (HTTP ${status})`;
  }
  return `HTTP ${status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`;
}

/** A client for the server named by flags, env or the stored login, authenticated by key or login. */
export async function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const stored = await readLogin(env);
  const key = flags.key ?? (env.GARAGESWARM_KEY || undefined);
  const serverText = flags.server ?? (env.GARAGESWARM_SERVER || undefined) ?? stored?.server;
  if (!serverText) throw new CliError('no server: give --server URL, or run "garageswarm login --server URL" first');
  const server = normalizeServer(serverText);
  if (key !== undefined && !key.startsWith("gs_")) throw new CliError("--key must be an API key starting with gs_");
  const login = stored && stored.server === server ? stored : null;
  if (!key && !login) {
    // A wrong address is the likelier mistake: say so before asking for a login the server may not need.
    await send(server, "GET", "/health");
    throw new CliError(`not logged in to ${server}: run "garageswarm login --server ${server}" (or give --key gs_…)`);
  }

  let session: StoredLogin | null = key ? null : login;
  const credential = () => key ?? session?.access_token ?? "";

  async function refresh(): Promise<boolean> {
    if (!session) return false;
    const answer = await send(server, "POST", "/api/v1/auth/refresh", {
      body: { refresh_token: session.refresh_token },
    });
    if (answer.status !== 200) return false;
    const tokens = answer.body as { access_token: string; refresh_token: string };
    session = { ...session, access_token: tokens.access_token, refresh_token: tokens.refresh_token };
    await writeLogin(session, env);
    return true;
  }

  return {
    server,
    credential,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let answer = await send(server, method, path, { token: credential(), body });
      if (answer.status === 401 && (await refresh())) {
        answer = await send(server, method, path, { token: credential(), body });
      }
      if (answer.status === 401) {
        throw new CliError(
          key
            ? `the server refused the API key: ${problemMessage(answer.status, answer.body)}`
            : `your login has expired or was revoked: run "garageswarm login --server ${server}"`,
        );
      }
      if (answer.status >= 400) throw new CliError(problemMessage(answer.status, answer.body));
      return answer.body as T;
    },
  };
}
