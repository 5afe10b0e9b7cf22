import { sql } from "drizzle-orm";
import { type Db, selectRows, ts } from "../db/store.ts";

/** Whether any task is queued and claimable since before `before`: the sweep looks before it claims. */
export async function anyTaskQueuedBefore(db: Db, before: Date): Promise<boolean> {
  const [row] = await selectRows<{ found: boolean }>(
    db,
    sql`select exists (select 1 from tasks where status = 'queued'
          and available_at <= ${ts(before)}) as found`,
  );
  return Boolean(row?.found);
}
