// Whether Gemini CLI can sign in on this worker. It has no `auth status` command, so this reads what the CLI
// itself reads before a headless run (0.61: validateNonInteractiveAuth): the auth type from settings.json
// (system settings override the user's) or else from the environment, then what that type needs: a key in
// the environment or an .env file, or the saved Google login. "unknown" wherever the CLI could find
// credentials this cannot see (the system keychain, Vertex or Cloud credentials, a gateway).
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { WorkerTool } from "@garageswarm/protocol";
import { signInHint } from "./gemini-cli-failures.ts";

export type GeminiAuth = NonNullable<WorkerTool["auth"]>;

export interface GeminiAuthState {
  auth: GeminiAuth;
  /** Why, for the dashboard when it is not `logged_in`. */
  detail?: string;
}

export async function geminiAuthState(env: NodeJS.ProcessEnv): Promise<GeminiAuthState> {
  const home = env.GEMINI_CLI_HOME || env.HOME || env.USERPROFILE;
  if (!home) return { auth: "unknown", detail: "no HOME to find Gemini CLI's settings in" };
  const geminiDir = join(home, ".gemini");
  const system = await readSettings(env.GEMINI_CLI_SYSTEM_SETTINGS_PATH || systemSettingsPath());
  const user = await readSettings(join(geminiDir, "settings.json"));
  if (system === "unreadable" || user === "unreadable") {
    return { auth: "unknown", detail: "Gemini CLI's settings.json could not be read" };
  }
  const dotEnv = await readDotEnvNames([join(geminiDir, ".env"), join(home, ".env")]);
  const has = (name: string) => Boolean(env[name]) || dotEnv.has(name);
  const type = selectedType(system) ?? selectedType(user) ?? typeFromEnvironment(env);

  switch (type) {
    case undefined:
      return { auth: "not_logged_in", detail: `installed · not logged in. ${signInHint}` };
    case "gemini-api-key":
      // Without the variable the CLI falls back to a key it saved itself, possibly in the system keychain.
      return has("GEMINI_API_KEY")
        ? { auth: "logged_in" }
        : { auth: "unknown", detail: "Gemini CLI uses an API key, but GEMINI_API_KEY is not set for it" };
    case "oauth-personal": {
      const saved =
        (await exists(join(geminiDir, "oauth_creds.json"))) ||
        (await exists(join(geminiDir, "gemini-credentials.json")));
      if (saved) return { auth: "logged_in" };
      // Encrypted storage keeps the login in the system keychain, where this cannot look.
      if (env.GEMINI_FORCE_ENCRYPTED_FILE_STORAGE === "true") return { auth: "unknown" };
      return { auth: "not_logged_in", detail: `installed · not logged in (no saved Google login). ${signInHint}` };
    }
    default:
      return { auth: "unknown", detail: `Gemini CLI signs in with ${type}; whether that works here is not checked` };
  }
}

/**
 * The CLI's getAuthTypeFromEnv, in its order, on the environment alone: a headless run checks its auth once
 * before it reads ~/.gemini/.env (that file counts only once the workspace is trusted), and exits 41 there.
 */
function typeFromEnvironment(env: NodeJS.ProcessEnv): string | undefined {
  if (env.GOOGLE_GENAI_USE_GCA === "true") return "oauth-personal";
  if (env.GOOGLE_GENAI_USE_VERTEXAI === "true") return "vertex-ai";
  if (env.GOOGLE_GEMINI_BASE_URL) return "gateway";
  if (env.GEMINI_API_KEY) return "gemini-api-key";
  if (env.CLOUD_SHELL === "true" || env.GEMINI_CLI_USE_COMPUTE_ADC === "true") return "compute-default-credentials";
  return undefined;
}

type Settings = Record<string, unknown> | null | "unreadable";

function selectedType(settings: Settings): string | undefined {
  if (settings === null || settings === "unreadable") return undefined;
  const security = settings.security as { auth?: { selectedType?: unknown } } | undefined;
  const type = security?.auth?.selectedType ?? settings.selectedAuthType;
  return typeof type === "string" && type !== "" ? type : undefined;
}

/** The settings file, null when absent, "unreadable" when it exists but is not JSON this can read. */
async function readSettings(path: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return null;
  }
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    // The CLI accepts comments in settings.json; rather than half-parse them, say we cannot tell.
    return "unreadable";
  }
}

/** The variable names the first .env file found sets (the CLI reads one: ~/.gemini/.env, else ~/.env). */
async function readDotEnvNames(paths: string[]): Promise<Set<string>> {
  for (const path of paths) {
    const text = await readFile(path, "utf8").catch(() => null);
    if (text === null) continue;
    const names = new Set<string>();
    for (const line of text.split("\n")) {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\S)/.exec(line);
      if (match) names.add(match[1]!);
    }
    return names;
  }
  return new Set();
}

function systemSettingsPath(): string {
  if (process.platform === "darwin") return "/Library/Application Support/GeminiCli/settings.json";
  if (process.platform === "win32") return "C:\\ProgramData\\gemini-cli\\settings.json";
  return "/etc/gemini-cli/settings.json";
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
