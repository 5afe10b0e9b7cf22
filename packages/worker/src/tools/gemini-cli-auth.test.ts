import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { geminiAuthState } from "./gemini-cli-auth.ts";

/** A HOME with the given files under ~/.gemini, and no system settings in the way. */
async function home(files: Record<string, string>): Promise<NodeJS.ProcessEnv> {
  const dir = await mkdtemp(join(tmpdir(), "gemini-auth-"));
  await mkdir(join(dir, ".gemini"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, ".gemini", name), text);
  return { HOME: dir, GEMINI_CLI_SYSTEM_SETTINGS_PATH: join(dir, "no-system-settings.json") };
}

const settings = (selectedType: string) => JSON.stringify({ security: { auth: { selectedType } } });

describe("geminiAuthState", () => {
  it("with no auth type anywhere the headless CLI cannot start (exit 41): not logged in, saying how to fix it", async () => {
    const state = await geminiAuthState(await home({}));
    expect(state.auth).toBe("not_logged_in");
    expect(state.detail).toMatch(/^installed · not logged in\. .*sign in with Google, or set GEMINI_API_KEY/);
  });

  it("an API key: logged in when GEMINI_API_KEY is in the environment or the CLI's .env", async () => {
    expect(
      (await geminiAuthState({ ...(await home({ "settings.json": settings("gemini-api-key") })), GEMINI_API_KEY: "k" }))
        .auth,
    ).toBe("logged_in");
    expect(
      (await geminiAuthState(await home({ "settings.json": settings("gemini-api-key"), ".env": "GEMINI_API_KEY=k\n" })))
        .auth,
    ).toBe("logged_in");
    // The CLI may have saved a key of its own (keychain): cannot tell.
    expect((await geminiAuthState(await home({ "settings.json": settings("gemini-api-key") }))).auth).toBe("unknown");
    // No settings, but the key in the environment: the CLI picks the API-key auth itself.
    expect((await geminiAuthState({ ...(await home({})), GEMINI_API_KEY: "k" })).auth).toBe("logged_in");
  });

  it("login with Google: logged in when the saved login is there", async () => {
    const env = await home({ "settings.json": settings("oauth-personal"), "oauth_creds.json": "{}" });
    expect(await geminiAuthState(env)).toEqual({ auth: "logged_in" });
    const missing = await geminiAuthState(await home({ "settings.json": settings("oauth-personal") }));
    expect(missing.auth).toBe("not_logged_in");
    // With encrypted storage the login lives in the system keychain.
    const keychain = {
      ...(await home({ "settings.json": settings("oauth-personal") })),
      GEMINI_FORCE_ENCRYPTED_FILE_STORAGE: "true",
    };
    expect((await geminiAuthState(keychain)).auth).toBe("unknown");
  });

  it("system settings win over the user's, GEMINI_CLI_HOME over HOME; Vertex and others are unknown", async () => {
    const env = await home({ "settings.json": settings("oauth-personal") });
    const system = join(env.HOME!, "system.json");
    await writeFile(system, settings("vertex-ai"));
    expect((await geminiAuthState({ ...env, GEMINI_CLI_SYSTEM_SETTINGS_PATH: system })).auth).toBe("unknown");
    const moved = await home({ "settings.json": settings("oauth-personal"), "oauth_creds.json": "{}" });
    expect((await geminiAuthState({ ...(await home({})), GEMINI_CLI_HOME: moved.HOME })).auth).toBe("logged_in");
  });

  it("settings it cannot read (the CLI allows comments) are unknown, not a guess", async () => {
    const env = await home({ "settings.json": '{ // mine\n "security": {} }' });
    expect((await geminiAuthState(env)).auth).toBe("unknown");
  });
});
