// A worker's tools as it reports them (register, hello, heartbeat) meet the limits the server recorded
// (a task parked by a usage limit marks its tool limited, queue/transitions/report.ts). The worker may not know of
// that limit, or may have restarted: its report never erases a limit still in the future. Of two limits
// the later stands; a limit already passed is ignored everywhere (allocator/tool-choice.ts).
import { type SQL, sql } from "drizzle-orm";
import { ts } from "../db/store.ts";

/**
 * `reported` (a jsonb array of tools) with each tool's `limited_until` and `limit_message` taken from
 * `stored` where the stored limit is later than the reported one and still ahead of `now`.
 */
export function keepServerLimits(reported: SQL, stored: SQL, now: Date): SQL {
  return sql`(
    select coalesce(jsonb_agg(
      case when kept.until is not null and kept.until > ${ts(now)}
                and not coalesce((fresh.entry->>'limited_until')::timestamptz >= kept.until, false)
           then fresh.entry || jsonb_strip_nulls(jsonb_build_object(
                  'limited_until', kept.entry->'limited_until', 'limit_message', kept.entry->'limit_message'))
           else fresh.entry end
      order by fresh.position), '[]'::jsonb)
    from jsonb_array_elements(${reported}) with ordinality as fresh(entry, position)
    left join lateral (
      select old.entry, (old.entry->>'limited_until')::timestamptz as until
      from jsonb_array_elements(coalesce(${stored}, '[]'::jsonb)) as old(entry)
      where old.entry->>'name' = fresh.entry->>'name'
      limit 1
    ) kept on true)`;
}
