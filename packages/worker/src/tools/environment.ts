// The environment a tool process starts with: an allow-list, never the worker's whole environment.
// The worker's env holds its own API key (GARAGESWARM_KEY) and, under `garageswarm up`, the server's secrets
// (JWT secret, admin password, DATABASE_URL, REDIS_URL); an agent that can read its env must see none of it.
import type { ToolId } from "@garageswarm/protocol";

/** What every tool process needs to find programs, its user's home and config, locale, temp and a terminal. */
const baseNames = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TMPDIR",
  "TEMP",
  "TMP",
  "TERM",
  "COLORTERM",
  "NO_COLOR",
  // The CLIs keep their config and logins under these when the user moved them.
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_CACHE_HOME",
  "XDG_STATE_HOME",
  // Machines behind a proxy or a TLS-inspecting gateway cannot reach the vendors without these.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // Windows: programs do not start, or cannot find the user's profile, without these.
  "SystemRoot",
  "SystemDrive",
  "windir",
  "ComSpec",
  "PATHEXT",
  "APPDATA",
  "LOCALAPPDATA",
  "USERPROFILE",
  "HOMEDRIVE",
  "HOMEPATH",
  "USERNAME",
  "USERDOMAIN",
  "ProgramData",
  "ProgramFiles",
  "ProgramFiles(x86)",
  "ProgramW6432",
  "CommonProgramFiles",
  "CommonProgramFiles(x86)",
  "OS",
  "PROCESSOR_ARCHITECTURE",
  "NUMBER_OF_PROCESSORS",
];
const basePrefixes = ["LC_"];

/**
 * The variables each tool documents for its own configuration: keys, endpoints, config homes. They reach the
 * tool only when the worker's owner set them in the worker's environment.
 */
const toolNames: Partial<Record<ToolId, { names: string[]; prefixes: string[] }>> = {
  claude_code: { names: ["CLAUDE_CONFIG_DIR"], prefixes: ["ANTHROPIC_", "CLAUDE_CODE_"] },
  gemini_cli: {
    // Not GOOGLE_GEMINI_BASE_URL: the worker reads it for gemini_api, and in Gemini CLI it selects the
    // "gateway" auth type, which headless runs refuse (exit 41) unless settings.json names another.
    names: ["GOOGLE_API_KEY", "GOOGLE_APPLICATION_CREDENTIALS"],
    prefixes: ["GEMINI_", "GOOGLE_GENAI_", "GOOGLE_CLOUD_"],
  },
  codex_cli: { names: [], prefixes: ["CODEX_", "OPENAI_"] },
};

/**
 * Variables the worker itself reads for another tool of its own (the `anthropic` API tool): its key would
 * move every Claude Code run from the owner's subscription to API billing (`claude -p` always prefers
 * ANTHROPIC_API_KEY), and its URL would redirect Claude Code. A tool gets them only when --pass-env names them.
 */
const notByPrefix: Partial<Record<ToolId, readonly string[]>> = {
  claude_code: ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
};

/** Never given to a tool, whatever the allow-list or --pass-env say: the worker's and the server's secrets. */
export function isForbiddenName(name: string): boolean {
  const upper = name.toUpperCase();
  return upper.startsWith("GARAGESWARM_") || upper === "DATABASE_URL" || upper === "REDIS_URL";
}

/** Checks the owner's --pass-env list: names only, none of the forbidden ones. Returns the names. */
export function validatePassEnv(names: readonly string[]): string[] {
  for (const name of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`--pass-env: "${name}" is not a variable name`);
    if (isForbiddenName(name)) {
      throw new Error(
        `--pass-env: ${name} is never passed to tools (GARAGESWARM_*, DATABASE_URL and REDIS_URL hold secrets)`,
      );
    }
  }
  return [...names];
}

/**
 * The environment for one tool's processes, built from `source` (the worker's own environment): the base
 * allow-list, the variables that tool itself reads, and the names the owner listed with --pass-env.
 */
export function toolEnvironment(
  tool: ToolId,
  source: NodeJS.ProcessEnv,
  passEnv: readonly string[] = [],
): NodeJS.ProcessEnv {
  const own = toolNames[tool] ?? { names: [], prefixes: [] };
  // Windows variable names are case-insensitive (Path, SystemRoot…); elsewhere they are not.
  const fold = process.platform === "win32" ? (name: string) => name.toUpperCase() : (name: string) => name;
  const names = new Set([...baseNames, ...own.names, ...passEnv].map(fold));
  const prefixes = [...basePrefixes, ...own.prefixes].map(fold);
  const excluded = new Set((notByPrefix[tool] ?? []).map(fold));
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || isForbiddenName(name)) continue;
    const key = fold(name);
    const byPrefix = !excluded.has(key) && prefixes.some((prefix) => key.startsWith(prefix));
    if (names.has(key) || byPrefix) env[name] = value;
  }
  return env;
}
