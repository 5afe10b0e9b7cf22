// A task claimed by its worker (a pull, or a push on a freed slot) was not chosen by the allocator
// first; its breakdown is computed right after, against the same fleet, so every assignment shows why.
import type { AllocatorSettingsView } from "@garageswarm/protocol";
import { type ScoreEntry, writeScores } from "../queue/transitions/claim.ts";
import type { Resources } from "../resources.ts";
import { readAllocatorSettings } from "../settings/allocator.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { listCandidateWorkers } from "./queries.ts";
import {
  allocate,
  allocationExplained,
  type CandidateWorker,
  load,
  rejectionReason,
  scoreWorker,
  type TaskNeeds,
} from "./score.ts";

export type ClaimPath = "allocator" | "pull" | "free_slot";

export function taskNeeds(row: TaskRow): TaskNeeds {
  const options = (row.options ?? {}) as Record<string, unknown>;
  return {
    tools: row.tools as string[],
    model: row.model,
    requirements: (row.requirements ?? {}) as TaskNeeds["requirements"],
    preferred_worker_id: typeof options.prefer_worker_id === "string" ? options.prefer_worker_id : null,
    repo_url: row.repo?.url ?? null,
  };
}

export async function recordClaimScore(resources: Resources, row: TaskRow, via: ClaimPath): Promise<TaskRow> {
  if (!row.worker_id || !row.lease_token) return row;
  const candidates = await listCandidateWorkers(resources.db, {
    userId: row.user_id,
    tools: row.tools as string[],
    alwaysInclude: [row.worker_id],
    repoUrl: row.repo?.url ?? null,
  });
  const score = scoreOfClaim(row, candidates, await readAllocatorSettings(resources), via, resources.clock.now());
  if (!score) return row;
  await writeScores(resources.db, [{ task_id: row.task_id, lease_token: row.lease_token, score }]);
  return { ...row, score };
}

/**
 * Scores of claims made on a freed slot, written in batches off the claim's path: one candidate list per
 * (user, tool) and one UPDATE per batch. A batch is what gathered while the previous one was written.
 */
export interface ScoreRecorder {
  record(row: TaskRow): void;
  /** Resolves once everything recorded so far is written. */
  flush(): Promise<void>;
}

export function createScoreRecorder(resources: Resources, via: ClaimPath): ScoreRecorder {
  let pending: TaskRow[] = [];
  let writing: Promise<void> | null = null;

  async function drain(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // the claims landing in this tick join the batch
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      await writeBatch(batch).catch((error) => resources.log.warn({ err: error }, "recording claim scores failed"));
    }
    writing = null;
  }

  async function writeBatch(rows: TaskRow[]): Promise<void> {
    const settings = await readAllocatorSettings(resources);
    const groups = new Map<string, TaskRow[]>();
    for (const row of rows) {
      const key = `${row.user_id} ${(row.tools as string[]).join(",")} ${row.repo?.url ?? ""}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const scores: ScoreEntry[] = [];
    for (const group of groups.values()) {
      const [first] = group;
      if (!first) continue;
      const candidates = await listCandidateWorkers(resources.db, {
        userId: first.user_id,
        tools: first.tools as string[],
        alwaysInclude: group.flatMap((row) => (row.worker_id ? [row.worker_id] : [])),
        repoUrl: first.repo?.url ?? null,
      });
      const now = resources.clock.now();
      for (const row of group) {
        const score = row.lease_token ? scoreOfClaim(row, candidates, settings, via, now) : null;
        if (score && row.lease_token) scores.push({ task_id: row.task_id, lease_token: row.lease_token, score });
      }
    }
    await writeScores(resources.db, scores);
  }

  return {
    record(row) {
      if (!row.worker_id || !row.lease_token) return;
      pending.push(row);
      writing ??= drain();
    },
    flush: () => writing ?? Promise.resolve(),
  };
}

/** The claimer's breakdown against the fleet as listed (itself counted as just before this claim). */
function scoreOfClaim(
  row: TaskRow,
  listed: CandidateWorker[],
  { weights, thresholds }: Pick<AllocatorSettingsView, "weights" | "thresholds">,
  via: ClaimPath,
  now: Date,
): Record<string, unknown> | null {
  const candidates = listed.map((worker) =>
    worker.worker_id === row.worker_id ? withoutClaim(worker, row.tool) : worker,
  );
  const needs = taskNeeds(row);
  const allocation = allocate(needs, candidates, weights, thresholds, now);
  const claimer = candidates.find((worker) => worker.worker_id === row.worker_id);
  if (!claimer) return null;
  // The claimer may be one the allocator would have passed over (cpu above the threshold, say): its
  // breakdown is stored all the same, with the reason, so the task page shows why it ran where it did.
  const heaviest = Math.max(
    load(claimer),
    ...candidates.filter((worker) => !rejectionReason(worker, needs, thresholds, now)).map(load),
  );
  const rank = allocation.ranked.findIndex((entry) => entry.worker_id === row.worker_id) + 1;
  const passedOver = allocation.rejected.find((entry) => entry.worker_id === row.worker_id)?.reason;
  return {
    ...scoreWorker(claimer, needs, heaviest, weights, now, row.tool),
    via,
    rank: rank > 0 ? rank : null,
    candidates: candidates.length,
    ...allocationExplained(allocation, weights),
    ...(passedOver ? { note: `the allocator would have passed it over: ${passedOver}` } : {}),
  };
}

/** The claimer as it was just before its claim: one task fewer, in all and of the claimed tool. */
function withoutClaim(worker: CandidateWorker, tool: string): CandidateWorker {
  const ofTool = worker.held_by_tool[tool] ?? 0;
  return {
    ...worker,
    running_tasks: Math.max(0, worker.running_tasks - 1),
    held_by_tool: { ...worker.held_by_tool, [tool]: Math.max(0, ofTool - 1) },
  };
}
