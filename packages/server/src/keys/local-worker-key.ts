// The worker `garageswarm up` runs in-process needs an API key like any other worker. It belongs to the
// first admin, is named "local worker", and its secret is kept in the data dir (mode 0600) so later starts
// reuse it instead of piling up keys. A key that was revoked (or a data dir moved to another database)
// is replaced.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { sha256 } from "../auth/secrets.ts";
import { users } from "../db/schema.ts";
import type { Db } from "../db/store.ts";
import type { Resources } from "../resources.ts";
import { findActiveKeyByHash } from "./queries.ts";
import { createApiKey } from "./service.ts";

export const LOCAL_WORKER_KEY_NAME = "local worker";
const KEY_FILE = "local-worker.key";

async function findFirstAdmin(db: Db): Promise<{ user_id: string } | undefined> {
  const [row] = await db
    .select({ user_id: users.user_id })
    .from(users)
    .where(and(eq(users.is_admin, true), eq(users.is_active, true)))
    .orderBy(asc(users.created_at))
    .limit(1);
  return row;
}

/** The local worker's key (`gs_…`): the stored one while it is still valid, else a new one for the first admin. */
export async function ensureLocalWorkerKey(resources: Resources): Promise<string> {
  const file = join(resources.config.dataDir, KEY_FILE);
  const stored = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  if (stored && (await findActiveKeyByHash(resources.db, sha256(stored)))) return stored;

  const admin = await findFirstAdmin(resources.db);
  if (!admin) throw new Error("no active admin account to own the local worker");
  const created = await createApiKey(resources, admin.user_id, LOCAL_WORKER_KEY_NAME, {});
  await mkdir(resources.config.dataDir, { recursive: true });
  await writeFile(file, `${created.key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return created.key;
}
