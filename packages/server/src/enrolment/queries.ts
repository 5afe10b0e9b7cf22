import { and, asc, count, eq, gt, isNull } from "drizzle-orm";
import { enrolmentCodes } from "../db/schema.ts";
import type { Db } from "../db/store.ts";

export type EnrolmentCodeRow = typeof enrolmentCodes.$inferSelect;

/** Inserts the code; undefined when its hash is already taken (a collision: the caller draws another). */
export async function insertEnrolmentCode(
  db: Db,
  values: {
    user_id: string;
    code_hash: string;
    worker_name: string | null;
    labels: string[];
    created_by_key_id: string | null;
    created_at: Date;
    expires_at: Date;
  },
): Promise<EnrolmentCodeRow | undefined> {
  const [row] = await db.insert(enrolmentCodes).values(values).onConflictDoNothing().returning();
  return row;
}

const open = (now: Date) => and(isNull(enrolmentCodes.used_at), gt(enrolmentCodes.expires_at, now));

export async function countOpenCodesOfUser(db: Db, userId: string, now: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(enrolmentCodes)
    .where(and(eq(enrolmentCodes.user_id, userId), open(now)));
  return row?.n ?? 0;
}

export async function listOpenCodesOfUser(db: Db, userId: string, now: Date): Promise<EnrolmentCodeRow[]> {
  return db
    .select()
    .from(enrolmentCodes)
    .where(and(eq(enrolmentCodes.user_id, userId), open(now)))
    .orderBy(asc(enrolmentCodes.expires_at));
}

/** Deletes an open code of the user; false when the user has no such open code. */
export async function deleteOpenCode(db: Db, userId: string, codeId: string, now: Date): Promise<boolean> {
  const rows = await db
    .delete(enrolmentCodes)
    .where(and(eq(enrolmentCodes.enrolment_code_id, codeId), eq(enrolmentCodes.user_id, userId), open(now)))
    .returning({ id: enrolmentCodes.enrolment_code_id });
  return rows.length > 0;
}

/**
 * Marks the code used, once: the guard (`used_at IS NULL AND expires_at > now`) lets exactly one of any
 * number of concurrent exchanges win. Undefined when the code is unknown, used or expired.
 */
export async function useEnrolmentCode(db: Db, codeHash: string, now: Date): Promise<EnrolmentCodeRow | undefined> {
  const [row] = await db
    .update(enrolmentCodes)
    .set({ used_at: now })
    .where(and(eq(enrolmentCodes.code_hash, codeHash), open(now)))
    .returning();
  return row;
}

export async function recordCodeKey(db: Db, codeId: string, keyId: string): Promise<void> {
  await db.update(enrolmentCodes).set({ used_key_id: keyId }).where(eq(enrolmentCodes.enrolment_code_id, codeId));
}
