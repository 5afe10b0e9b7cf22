// The key of the worker that `garageswarm up` runs in-process, kept in `<data-dir>/local-worker.key`
// (0600) so restarts reuse it. It is a `worker` key of the first active admin: the in-process worker
// can register, pull and report, nothing more. A stored key that was revoked, belongs to a data dir moved
// to another database, or predates scopes (a `full` key) is revoked and replaced.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { and, asc, eq } from "drizzle-orm";
import { sha256 } from "../auth/secrets.ts";
import { chmodPrivate, ensurePrivateDir, PRIVATE_FILE_MODE } from "../data-dir.ts";
import { users } from "../db/schema.ts";
import type { Db } from "../db/store.ts";
import type { Resources } from "../resources.ts";
import { findActiveKeyByHash, revokeKeyAndMinted } from "./queries.ts";
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

/** The local worker's key (`gs_…`): the stored one while it is a valid worker key, else a new one for the first admin. */
export async function ensureLocalWorkerKey(resources: Resources): Promise<string> {
  const { db, clock, config } = resources;
  const file = join(config.dataDir, KEY_FILE);
  const stored = await readFile(file, "utf8").then(
    (text) => text.trim(),
    () => "",
  );
  const current = stored ? await findActiveKeyByHash(db, sha256(stored)) : undefined;
  if (current?.scope === "worker") return stored;
  if (current) await revokeKeyAndMinted(db, current.user_id, current.key_id, clock.now());

  const admin = await findFirstAdmin(db);
  if (!admin) throw new Error("no active admin account to own the local worker");
  const created = await createApiKey(resources, admin.user_id, { name: LOCAL_WORKER_KEY_NAME, scope: "worker" }, {});
  await ensurePrivateDir(config.dataDir);
  await writeFile(file, `${created.key}\n`, { mode: PRIVATE_FILE_MODE });
  await chmodPrivate(file);
  return created.key;
}
