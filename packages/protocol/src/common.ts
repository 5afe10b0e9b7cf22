import { z } from "zod";

/** An RFC 9457 problem document: every 4xx/5xx answer from the API. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  /** One entry per invalid field, `field` in dotted form (`body.email`, `query.limit`). */
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;

export const Uuid = z.uuid();

/** Timestamps travel as ISO-8601 strings. */
export const Timestamp = z.iso.datetime({ offset: true });

export const CursorQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Every list endpoint answers `{items, next_cursor}`; `next_cursor` is null on the last page. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const IdParam = z.object({ id: Uuid });
