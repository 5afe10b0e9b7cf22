// The CLI's stored login: ~/.garageswarm/cli.json (or GARAGESWARM_CONFIG), readable by its owner only.
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";

export const StoredLogin = z.object({
  server: z.string(),
  username: z.string(),
  access_token: z.string(),
  refresh_token: z.string(),
});
export type StoredLogin = z.infer<typeof StoredLogin>;

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.GARAGESWARM_CONFIG || join(homedir(), ".garageswarm", "cli.json");
}

/** The stored login, or null when there is none (or the file is unreadable: logging in again fixes it). */
export async function readLogin(env: NodeJS.ProcessEnv = process.env): Promise<StoredLogin | null> {
  try {
    return StoredLogin.parse(JSON.parse(await readFile(configPath(env), "utf8")));
  } catch {
    return null;
  }
}

export async function writeLogin(login: StoredLogin, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const file = configPath(env);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only to a new file; an existing one keeps its mode otherwise.
  await chmod(file, 0o600);
  return file;
}

export async function removeLogin(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  await rm(configPath(env), { force: true });
}
