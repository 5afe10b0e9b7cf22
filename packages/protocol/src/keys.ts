import { z } from "zod";
import { Timestamp, Uuid } from "./common.ts";

/**
 * What a key may do. `full`: everything its user may do (the CLI, scripts). `worker`: only what a worker
 * needs: register, heartbeat, pull, report on its attempts and the worker socket.
 */
export const ApiKeyScope = z.enum(["full", "worker"]);
export type ApiKeyScope = z.infer<typeof ApiKeyScope>;

export const ApiKeyCreate = z
  .object({
    name: z.string().trim().min(1, "is required").max(100),
    /** `full` when omitted, as before scopes existed; a worker machine should get `worker`. */
    scope: ApiKeyScope.default("full"),
  })
  .strict();

export const ApiKey = z.object({
  key_id: Uuid,
  name: z.string(),
  /** The first characters of the secret, so a person can tell keys apart. */
  prefix: z.string(),
  scope: ApiKeyScope,
  /** The key that created this one (a key made with a key); revoking that key revokes this one. */
  created_by_key_id: Uuid.nullable(),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Answer to create: the only time the secret (`key`, `gs_…`) is ever shown. */
export const ApiKeyCreated = ApiKey.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;
