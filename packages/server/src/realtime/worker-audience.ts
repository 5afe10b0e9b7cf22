// Who may see a worker's live resources: its owner and everyone who accepted a share of it (an offer
// does not count). Heartbeats arrive from every worker every few seconds, so the membership read is
// cached briefly per worker; a change of share publishes worker.updated, which drops the entry at once.
import type { Resources } from "../resources.ts";
import { listAcceptedMemberIds } from "../workers/queries.ts";

const AUDIENCE_CACHE_MS = 5_000;
// Bounds memory when workers come and go; entries are cheap to reload.
const MAX_ENTRIES = 10_000;

export interface WorkerAudience {
  /** The users who may see the worker (owner first). */
  usersOf(workerId: string, ownerUserId: string): Promise<string[]>;
  forget(workerId: string): void;
}

export function createWorkerAudience(resources: Resources): WorkerAudience {
  const cache = new Map<string, { users: Promise<string[]>; expires_at: number }>();

  async function load(workerId: string, ownerUserId: string): Promise<string[]> {
    const members = await listAcceptedMemberIds(resources.db, workerId);
    return [...new Set([ownerUserId, ...members])];
  }

  return {
    usersOf(workerId, ownerUserId) {
      const now = resources.clock.now().getTime();
      const cached = cache.get(workerId);
      if (cached && cached.expires_at > now) return cached.users;
      if (cache.size >= MAX_ENTRIES) {
        for (const [id, entry] of cache) if (entry.expires_at <= now) cache.delete(id);
        if (cache.size >= MAX_ENTRIES) cache.clear();
      }
      const users = load(workerId, ownerUserId);
      cache.set(workerId, { users, expires_at: now + AUDIENCE_CACHE_MS });
      users.catch(() => {
        if (cache.get(workerId)?.users === users) cache.delete(workerId);
      });
      return users;
    },
    forget(workerId) {
      cache.delete(workerId);
    },
  };
}
