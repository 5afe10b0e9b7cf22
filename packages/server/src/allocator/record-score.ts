// A task claimed by its worker (a pull, or a push on a freed slot) was not chosen by the allocator
// first; its breakdown is computed right after, against the same fleet, so every assignment shows why.
import { and, eq, sql } from "drizzle-orm";
import { tasks } from "../db/schema.ts";
import type { Resources } from "../resources.ts";
import { readAllocatorSettings } from "../settings/allocator.ts";
import type { TaskRow } from "../tasks/queries.ts";
import { listCandidateWorkers } from "./queries.ts";
import { allocate, load, rejectionReason, scoreWorker, type TaskNeeds } from "./score.ts";

export type ClaimPath = "allocator" | "pull" | "free_slot";

export function taskNeeds(row: TaskRow): TaskNeeds {
  const options = (row.options ?? {}) as Record<string, unknown>;
  return {
    tool: row.tool,
    model: row.model,
    requirements: (row.requirements ?? {}) as TaskNeeds["requirements"],
    preferred_worker_id: typeof options.prefer_worker_id === "string" ? options.prefer_worker_id : null,
  };
}

export async function recordClaimScore(resources: Resources, row: TaskRow, via: ClaimPath): Promise<TaskRow> {
  if (!row.worker_id || !row.lease_token) return row;
  const candidates = (
    await listCandidateWorkers(resources.db, { userId: row.user_id, tool: row.tool, alwaysInclude: row.worker_id })
  ).map((worker) =>
    // Judge the fleet as it was just before this claim.
    worker.worker_id === row.worker_id ? { ...worker, running_tasks: Math.max(0, worker.running_tasks - 1) } : worker,
  );
  const { weights, thresholds } = await readAllocatorSettings(resources);
  const needs = taskNeeds(row);
  const allocation = allocate(needs, candidates, weights, thresholds);
  const claimer = candidates.find((worker) => worker.worker_id === row.worker_id);
  if (!claimer) return row;
  // The claimer may be one the allocator would have passed over (cpu above the threshold, say): its
  // breakdown is stored all the same, with the reason, so the task page shows why it ran where it did.
  const heaviest = Math.max(
    load(claimer),
    ...candidates.filter((worker) => !rejectionReason(worker, needs, thresholds)).map(load),
  );
  const rank = allocation.ranked.findIndex((entry) => entry.worker_id === row.worker_id) + 1;
  const passedOver = allocation.rejected.find((entry) => entry.worker_id === row.worker_id)?.reason;
  const score = {
    ...scoreWorker(claimer, needs, heaviest, weights),
    via,
    rank: rank > 0 ? rank : null,
    candidates: candidates.length,
    ...(passedOver ? { note: `the allocator would have passed it over: ${passedOver}` } : {}),
  };
  await resources.db
    .update(tasks)
    .set({ score })
    .where(and(eq(tasks.task_id, row.task_id), sql`${tasks.lease_token} = ${row.lease_token}::uuid`));
  return { ...row, score };
}
