// The access-token signing key. Replicas must share it, so unless configured it is generated once
// and stored in the database; the first replica to start wins the insert.
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { settings } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

const SETTING_KEY = "jwt_secret";

export async function loadJwtSecret(db: Db, configured: string | undefined): Promise<Uint8Array> {
  if (configured) return new TextEncoder().encode(configured);
  await db
    .insert(settings)
    .values({ key: SETTING_KEY, value: randomBytes(48).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, SETTING_KEY));
  if (!row || typeof row.value !== "string") throw new Error("jwt secret missing from settings");
  return new TextEncoder().encode(row.value);
}
