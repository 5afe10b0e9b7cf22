import { eq } from "drizzle-orm";
import { settings } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export interface SettingRow {
  value: unknown;
  updated_at: Date;
}

export async function findSetting(db: Db, key: string): Promise<SettingRow | undefined> {
  const [row] = await db
    .select({ value: settings.value, updated_at: settings.updated_at })
    .from(settings)
    .where(eq(settings.key, key));
  return row;
}

export async function upsertSetting(db: Db, key: string, value: unknown, now: Date): Promise<SettingRow> {
  const [row] = await db
    .insert(settings)
    .values({ key, value, updated_at: now })
    .onConflictDoUpdate({ target: settings.key, set: { value, updated_at: now } })
    .returning({ value: settings.value, updated_at: settings.updated_at });
  if (!row) throw new Error(`setting ${key} was not written`);
  return row;
}
