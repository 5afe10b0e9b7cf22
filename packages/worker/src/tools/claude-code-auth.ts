// Whether Claude Code is signed in: `claude auth status --json` prints
// `{"loggedIn": bool, "authMethod": "none"|"api_key"|"oauth_token"|"claude.ai"…, "apiKeySource"?}` and exits 1
// when not logged in (2.1.332). A CLI without the command (or that prints something else) is "unknown".
import { tmpdir } from "node:os";
import { z } from "zod";
import type { CliSettings } from "./cli.ts";
import { runProcess } from "./process.ts";

const AuthStatus = z.object({ loggedIn: z.boolean(), authMethod: z.string().optional() }).loose();

export interface ClaudeAuth {
  auth: "logged_in" | "not_logged_in" | "unknown";
  /** How it is signed in ("api_key", "oauth_token", "claude.ai"…), when it is. */
  method?: string;
}

export const notLoggedInDetail =
  "installed · not logged in — run `claude` and /login, or set ANTHROPIC_API_KEY and pass it with --pass-env ANTHROPIC_API_KEY";

export async function claudeAuthStatus(settings: CliSettings): Promise<ClaudeAuth> {
  let stdout = "";
  try {
    await runProcess({
      command: settings.command,
      args: ["auth", "status", "--json"],
      cwd: tmpdir(),
      env: settings.env,
      signal: AbortSignal.timeout(15_000),
      killGraceMs: settings.killGraceMs,
      onLine: (line, stream) => {
        if (stream === "stdout") stdout += `${line}\n`;
      },
    });
  } catch {
    return { auth: "unknown" };
  }
  let parsed: z.infer<typeof AuthStatus>;
  try {
    parsed = AuthStatus.parse(JSON.parse(stdout));
  } catch {
    return { auth: "unknown" };
  }
  if (!parsed.loggedIn) return { auth: "not_logged_in" };
  return { auth: "logged_in", ...(parsed.authMethod ? { method: parsed.authMethod } : {}) };
}
