// The allocator's weights and resource thresholds: stored in `settings` under one key, shared by every
// replica, and read on the assignment hot path through a short in-process cache. A change is seen at
// once on the replica that made it and within CACHE_MS on the others.
import { AllocatorSettings, type AllocatorSettingsView } from "@garageswarm/protocol";
import { defaultThresholds, defaultWeights } from "../allocator/score.ts";
import { recordAudit } from "../audit/record.ts";
import type { Db } from "../db/store.ts";
import { ForbiddenError } from "../errors.ts";
import type { Resources } from "../resources.ts";
import { findSetting, upsertSetting } from "./queries.ts";

const SETTING_KEY = "allocator";
const CACHE_MS = 5_000;

export const defaultAllocatorSettings: AllocatorSettings = { weights: defaultWeights, thresholds: defaultThresholds };

interface Cached {
  view: Promise<AllocatorSettingsView>;
  expires_at: number;
}

// Keyed by database: one process may hold several servers (tests, the embedded CLI), each with its own rows.
const cache = new WeakMap<Db, Cached>();

export function readAllocatorSettings(resources: Resources): Promise<AllocatorSettingsView> {
  const now = resources.clock.now().getTime();
  const cached = cache.get(resources.db);
  if (cached && cached.expires_at > now) return cached.view;
  const view = loadAllocatorSettings(resources);
  cache.set(resources.db, { view, expires_at: now + CACHE_MS });
  // A failed read must not stick for the cache's lifetime.
  view.catch(() => {
    if (cache.get(resources.db)?.view === view) cache.delete(resources.db);
  });
  return view;
}

async function loadAllocatorSettings(resources: Resources): Promise<AllocatorSettingsView> {
  const row = await findSetting(resources.db, SETTING_KEY);
  if (!row) return { ...defaultAllocatorSettings, updated_at: null };
  const parsed = AllocatorSettings.safeParse(row.value);
  if (!parsed.success) {
    resources.log.warn({ issues: parsed.error.issues }, "stored allocator settings are invalid; using the defaults");
    return { ...defaultAllocatorSettings, updated_at: null };
  }
  return { ...parsed.data, updated_at: row.updated_at.toISOString() };
}

export async function changeAllocatorSettings(
  resources: Resources,
  actor: { user_id: string; is_admin: boolean },
  input: AllocatorSettings,
  meta: { ip?: string },
): Promise<AllocatorSettingsView> {
  if (!actor.is_admin) throw new ForbiddenError("only an administrator may change the allocator settings");
  const { db, clock } = resources;
  const row = await db.transaction(async (tx) => {
    const written = await upsertSetting(tx as Db, SETTING_KEY, input, clock.now());
    await recordAudit(tx as Db, {
      user_id: actor.user_id,
      action: "settings.allocator",
      object_type: "setting",
      object_id: SETTING_KEY,
      ip: meta.ip,
      detail: { ...input },
    });
    return written;
  });
  const view: AllocatorSettingsView = { ...input, updated_at: row.updated_at.toISOString() };
  cache.set(db, { view: Promise.resolve(view), expires_at: clock.now().getTime() + CACHE_MS });
  return view;
}
