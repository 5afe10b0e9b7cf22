// Candidate lists, shared by the `task.queued` hints of one user and tool set. Hints arriving before a
// list is read share it instead of each listing the whole fleet; each counts its winner into it
// (`countTaken`) before the next one ranks. A list is read only once the claims decided from the one
// before have landed, so it shows them as a list read after each claim would: one list per round of
// claims, however many hints the round holds.
import { listCandidateWorkers } from "../allocator/queries.ts";
import type { CandidateWorker } from "../allocator/score.ts";
import type { Db } from "../db/store.ts";

export interface SharedListing {
  workers: Promise<CandidateWorker[]>;
  /** Hints on this list, from before it is read until their claim has landed. */
  users: number;
  /** Resolves once every hint on it has released it. */
  landed: Promise<void>;
  /** The hint's claim has landed (or it decided not to claim). */
  release(): void;
}

export class CandidateLists {
  readonly #db: Db;
  /** Lists not read yet: a hint joins one of these. */
  readonly #open = new Map<string, SharedListing>();
  /** The latest list per key, until its claims have landed: the next list waits for them. */
  readonly #last = new Map<string, SharedListing>();

  constructor(db: Db) {
    this.#db = db;
  }

  share(userId: string, tools: readonly string[], repoUrl: string | null = null): SharedListing {
    const key = `${userId} ${tools.join(",")} ${repoUrl ?? ""}`;
    const open = this.#open.get(key);
    if (open) {
      open.users++;
      return open;
    }
    const previous = this.#last.get(key)?.landed ?? Promise.resolve();
    let landed = () => {};
    const listing: SharedListing = {
      users: 1,
      landed: new Promise<void>((resolve) => {
        landed = resolve;
      }),
      workers: previous.then(async () => {
        try {
          return await listCandidateWorkers(this.#db, { userId, tools, repoUrl });
        } finally {
          // Closed before any hint ranks on it: a hint after this point waits for a fresh list.
          if (this.#open.get(key) === listing) this.#open.delete(key);
        }
      }),
      release: () => {
        if (--listing.users > 0) return;
        landed();
        if (this.#last.get(key) === listing) this.#last.delete(key);
      },
    };
    this.#open.set(key, listing);
    this.#last.set(key, listing);
    return listing;
  }
}

/**
 * The list as the next hint sharing it should see it: this worker holds one task more (of `tool`, for its
 * per-tool cap), and is gone once its slots are full (a fresh list would leave it out).
 */
export function countTaken(candidates: CandidateWorker[], workerId: string, tool: string): void {
  const index = candidates.findIndex((worker) => worker.worker_id === workerId);
  const worker = candidates[index];
  if (!worker) return;
  if (worker.running_tasks + 1 >= worker.slots) candidates.splice(index, 1);
  else {
    candidates[index] = {
      ...worker,
      running_tasks: worker.running_tasks + 1,
      held_by_tool: { ...worker.held_by_tool, [tool]: (worker.held_by_tool[tool] ?? 0) + 1 },
    };
  }
}
