// API keys authenticate workers and the CLI as their user. The secret is shown once, at creation;
// only its SHA-256 and a short prefix (to tell keys apart) are stored.
//
// Scopes: a `full` key may do what its user may; a `worker` key only what a worker needs (see
// WORKER_ROUTE in auth/authenticate.ts). A key may create keys only when it is `full` (the keys routes
// admit no other scope); such a key records its parent, and revoking a key revokes its offspring.
import type { ApiKey, ApiKeyCreated, ApiKeyScope } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { API_KEY_PREFIX } from "../auth/authenticate.ts";
import { randomSecret, sha256 } from "../auth/secrets.ts";
import type { Db } from "../db/store.ts";
import { NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";

const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export interface NewKey {
  name: string;
  scope: ApiKeyScope;
  /** The key the request came with, when a key (not a person's session) creates this one. */
  created_by_key_id?: string | null;
}

export async function createApiKey(
  resources: Resources,
  userId: string,
  input: NewKey,
  meta: { ip?: string },
): Promise<ApiKeyCreated> {
  return resources.db.transaction((tx) => mintApiKey(tx as Db, userId, input, meta));
}

/** Creates the key and its audit row inside the caller's transaction (enrolment mints one with its code). */
export async function mintApiKey(tx: Db, userId: string, input: NewKey, meta: { ip?: string }): Promise<ApiKeyCreated> {
  const key = randomSecret(API_KEY_PREFIX);
  const row = await q.insertApiKey(tx, {
    user_id: userId,
    name: input.name,
    prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
    key_hash: sha256(key),
    scope: input.scope,
    created_by_key_id: input.created_by_key_id ?? null,
  });
  await recordAudit(tx, {
    user_id: userId,
    action: "key.create",
    object_type: "api_key",
    object_id: row.key_id,
    ip: meta.ip,
    detail: { scope: input.scope, created_by_key_id: row.created_by_key_id },
  });
  return { ...toApiKeyView(row), key };
}

export async function listApiKeys(resources: Resources, userId: string): Promise<ApiKey[]> {
  return (await q.listKeysOfUser(resources.db, userId)).map(toApiKeyView);
}

/** Revokes the key and every key minted with it, at once. */
export async function revokeApiKey(resources: Resources, userId: string, keyId: string, meta: { ip?: string }) {
  const revoked = await resources.db.transaction(async (tx) => {
    const ids = await q.revokeKeyAndMinted(tx as Db, userId, keyId, resources.clock.now());
    if (ids.length > 0) {
      await recordAudit(tx as Db, {
        user_id: userId,
        action: "key.revoke",
        object_type: "api_key",
        object_id: keyId,
        ip: meta.ip,
        ...(ids.length > 1 ? { detail: { minted_keys_revoked: ids.slice(1) } } : {}),
      });
    }
    return ids;
  });
  if (revoked.length === 0) throw new NotFoundError("API key not found");
}

function toApiKeyView(row: q.ApiKeyRow): ApiKey {
  return {
    key_id: row.key_id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    created_by_key_id: row.created_by_key_id,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
