// The control panel's per-install secret and where a running panel listens, both in the worker's state dir.
// The secret (`panel-secret`, 0600) is what the printed or opened URL carries once; whoever can read the
// state dir can read the worker's key anyway, so it guards nothing a local attacker lacks. `panel.json` lets
// `garageswarm worker open` find the port of the panel running for that state dir.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

const SECRET_FILE = "panel-secret";
const ADDRESS_FILE = "panel.json";

/** The secret of this state dir, made on first use; two processes racing agree on one. */
export async function loadPanelSecret(stateDir: string): Promise<string> {
  const file = join(stateDir, SECRET_FILE);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  try {
    await writeFile(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const secret = (await readFile(file, "utf8")).trim();
  if (secret.length < 32) throw new Error(`${file} is too short: delete it to make a new panel secret`);
  return secret;
}

/** What the session cookie holds: derived from the secret, so the cookie never is the secret itself. */
export function sessionValue(secret: string): string {
  return createHmac("sha256", secret).update("garageswarm panel session").digest("base64url");
}

/** Compares without leaking where a guess first differs. */
export function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const PanelAddress = z.object({ url: z.url(), pid: z.number().int().positive() });
export type PanelAddress = z.infer<typeof PanelAddress>;

export async function writePanelAddress(stateDir: string, address: PanelAddress): Promise<void> {
  await writeFile(join(stateDir, ADDRESS_FILE), `${JSON.stringify(address)}\n`, { mode: 0o600 });
}

export async function removePanelAddress(stateDir: string): Promise<void> {
  await rm(join(stateDir, ADDRESS_FILE), { force: true });
}

/** The panel running for this state dir, or null when none is (no file, or its process is gone). */
export async function readPanelAddress(stateDir: string): Promise<PanelAddress | null> {
  const text = await readFile(join(stateDir, ADDRESS_FILE), "utf8").catch(() => null);
  if (text === null) return null;
  let parsed: ReturnType<typeof PanelAddress.safeParse>;
  try {
    parsed = PanelAddress.safeParse(JSON.parse(text));
  } catch {
    return null;
  }
  if (!parsed.success || !processAlive(parsed.data.pid)) return null;
  return parsed.data;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The URL that signs a browser in: the panel's address with the secret, exchanged for a cookie at once. */
export function signInUrl(url: string, secret: string): string {
  return `${url.replace(/\/+$/, "")}/?token=${encodeURIComponent(secret)}`;
}
