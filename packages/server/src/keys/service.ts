// API keys authenticate workers and the CLI as their user. The secret is shown once, at creation;
// only its SHA-256 and a short prefix (to tell keys apart) are stored.
import type { ApiKey, ApiKeyCreated } from "@garageswarm/protocol";
import { recordAudit } from "../audit/record.ts";
import { API_KEY_PREFIX } from "../auth/authenticate.ts";
import { randomSecret, sha256 } from "../auth/secrets.ts";
import type { Db } from "../db/store.ts";
import { NotFoundError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import * as q from "./queries.ts";

const SHOWN_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export async function createApiKey(
  resources: Resources,
  userId: string,
  name: string,
  meta: { ip?: string },
): Promise<ApiKeyCreated> {
  const key = randomSecret(API_KEY_PREFIX);
  const row = await resources.db.transaction(async (tx) => {
    const inserted = await q.insertApiKey(tx as Db, {
      user_id: userId,
      name,
      prefix: key.slice(0, SHOWN_PREFIX_LENGTH),
      key_hash: sha256(key),
    });
    await recordAudit(tx as Db, {
      user_id: userId,
      action: "key.create",
      object_type: "api_key",
      object_id: inserted.key_id,
      ip: meta.ip,
    });
    return inserted;
  });
  return { ...toApiKeyView(row), key };
}

export async function listApiKeys(resources: Resources, userId: string): Promise<ApiKey[]> {
  return (await q.listKeysOfUser(resources.db, userId)).map(toApiKeyView);
}

export async function revokeApiKey(resources: Resources, userId: string, keyId: string, meta: { ip?: string }) {
  const row = await resources.db.transaction(async (tx) => {
    const revoked = await q.revokeKey(tx as Db, userId, keyId, resources.clock.now());
    if (revoked) {
      await recordAudit(tx as Db, {
        user_id: userId,
        action: "key.revoke",
        object_type: "api_key",
        object_id: keyId,
        ip: meta.ip,
      });
    }
    return revoked;
  });
  if (!row) throw new NotFoundError("API key not found");
}

function toApiKeyView(row: q.ApiKeyRow): ApiKey {
  return {
    key_id: row.key_id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
