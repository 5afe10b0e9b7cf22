import { auditLog } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export interface AuditEntry {
  user_id: string | null;
  /** Dotted verb: `auth.login`, `auth.login_failed`, `key.create`, `worker.share`. */
  action: string;
  object_type?: string;
  object_id?: string;
  ip?: string;
  detail?: Record<string, unknown>;
}

/** Who did what to which object, from where. Written in the caller's transaction when there is one. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db.insert(auditLog).values({
    user_id: entry.user_id,
    action: entry.action,
    object_type: entry.object_type ?? null,
    object_id: entry.object_id ?? null,
    ip: entry.ip ?? null,
    detail: entry.detail ?? {},
  });
}
