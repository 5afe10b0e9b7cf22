// The server's VAPID key pair (RFC 8292), which push services check a sender by. Replicas must share it,
// and every subscription is bound to its public key, so it is generated once and kept in the database
// (like the JWT secret); the first replica to start wins the insert.
import { eq } from "drizzle-orm";
import webpush from "web-push";
import { z } from "zod";
import { settings } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

const SETTING_KEY = "vapid_keys";

export const VapidKeys = z.object({ public_key: z.string().min(1), private_key: z.string().min(1) });
export type VapidKeys = z.infer<typeof VapidKeys>;

export async function loadVapidKeys(db: Db): Promise<VapidKeys> {
  const generated = webpush.generateVAPIDKeys();
  await db
    .insert(settings)
    .values({ key: SETTING_KEY, value: { public_key: generated.publicKey, private_key: generated.privateKey } })
    .onConflictDoNothing();
  const [row] = await db.select().from(settings).where(eq(settings.key, SETTING_KEY));
  const parsed = VapidKeys.safeParse(row?.value);
  if (!parsed.success) throw new Error("vapid keys missing from settings");
  return parsed.data;
}
