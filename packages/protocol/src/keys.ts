import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";

export const ApiKeyCreate = z.object({ name: z.string().trim().min(1, "is required").max(100) }).strict();

export const ApiKey = z.object({
  key_id: Uuid,
  name: z.string(),
  /** The first characters of the secret, so a person can tell keys apart. */
  prefix: z.string(),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Answer to create: the only time the secret (`key`, `gs_…`) is ever shown. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;
