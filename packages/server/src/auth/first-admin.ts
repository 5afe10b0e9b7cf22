// On the very first start (no users at all) an admin account is created, so a fresh install can be
// signed into at once. A generated password is shown once on an interactive terminal; otherwise (a service
// whose output a log collector keeps) it goes to a 0600 file in the data dir, and the notice says where.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { recordAudit } from "../audit/record.ts";
import type { Resources } from "../resources.ts";
import { hashPassword } from "./passwords.ts";
import { countUsers, insertUser } from "./queries.ts";

export const FIRST_ADMIN_USERNAME = "admin";

export const ADMIN_PASSWORD_FILE = "admin-password.txt";

/**
 * Returns lines for the operator, or none when users already exist (or another replica won the race).
 * `terminal`: the lines go to an interactive terminal, so a generated password may be in them.
 */
export async function ensureFirstAdmin(resources: Resources, { terminal = false } = {}): Promise<string[]> {
  const { db, config } = resources;
  if ((await countUsers(db)) > 0) return [];
  const password = config.adminPassword ?? randomBytes(12).toString("base64url");
  // Written before the account exists, so a failed write never leaves an admin nobody can sign in as.
  const file = config.adminPassword || terminal ? null : await writePasswordFile(config.dataDir, password);
  const user = await insertUser(db, {
    username: FIRST_ADMIN_USERNAME,
    email: "admin@garageswarm.local",
    password_hash: await hashPassword(password),
    is_admin: true,
  });
  if (!user) {
    // Another replica won; its own file (a shared data dir) stays.
    const mine = file && (await readFile(file, "utf8").catch(() => "")) === `${password}\n`;
    if (mine) await rm(file, { force: true });
    return [];
  }
  await recordAudit(db, { user_id: user.user_id, action: "auth.first_admin" });
  const shown = config.adminPassword
    ? "the one in GARAGESWARM_ADMIN_PASSWORD"
    : file
      ? `in ${file} (readable by this user only; change it in Settings, then delete the file)`
      : `${password}    (shown only now; change it in Settings)`;
  return [
    "",
    "First start: an admin account was created.",
    `  username: ${FIRST_ADMIN_USERNAME}`,
    `  password: ${shown}`,
    "",
  ];
}

async function writePasswordFile(dataDir: string, password: string): Promise<string> {
  const file = join(dataDir, ADMIN_PASSWORD_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // A fresh 0600 file renamed into place: never a moment with other modes, nor a clash with another replica.
  const temporary = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(temporary, `${password}\n`, { mode: 0o600, flag: "wx" });
  await rename(temporary, file);
  return file;
}
