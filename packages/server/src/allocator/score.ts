// The allocator's judgement, as a pure function: which workers may run a task, and how well each fits.
//
// Filter: online, not draining, a free slot, one of the task's tools it can run now (tool-choice.ts: offered,
// healthy, not limited, taking the model, under its per-tool cap; the first such tool of the task's list is
// the one it would run), cpu/memory/disk under the thresholds, every required label, enough capacity.
// Score, each part in [0, 1], weighted (default 0.40/0.30/0.20/0.10; admins change them, settings/allocator.ts):
//   match        the model is listed (1) or not listed but accepted (0.5); no model asked: 1
//   availability free slots as a share of slots × how idle cpu and memory are
//   balance      how lightly loaded the worker is against the most loaded candidate
//   affinity     1 for the preferred worker (the one that ran the upstream node, or named by the task);
//                0.5 for a worker that holds a clone of a code task's repository (it ran a task of it)
// Ties go to the lower worker_id, so the same inputs always give the same choice.
import type {
  AllocatorWeights,
  ResourceThresholds,
  TaskRequirements,
  WorkerCapacity,
  WorkerTool,
} from "@garageswarm/protocol";
import { chooseTool, type PassedOverTool } from "./tool-choice.ts";

export const defaultWeights: AllocatorWeights = { match: 0.4, availability: 0.3, balance: 0.2, affinity: 0.1 };

/** The affinity of a worker holding a clone of the repository: a fetch instead of a clone, not a must. */
export const REPO_AFFINITY = 0.5;

export const defaultThresholds: ResourceThresholds = { cpu_percent: 95, memory_percent: 95, disk_percent: 98 };

export interface CandidateWorker {
  worker_id: string;
  status: string;
  draining: boolean;
  tools: WorkerTool[];
  labels: string[];
  capacity: WorkerCapacity;
  slots: number;
  running_tasks: number;
  /** Of `running_tasks`, how many each tool runs: what the per-tool caps count. */
  held_by_tool: Record<string, number>;
  cpu_percent: number | null;
  memory_percent: number | null;
  disk_percent: number | null;
  /** Listed for a code task only: whether the worker holds a clone of its repository (allocator/queries.ts). */
  has_repo?: boolean;
}

export interface TaskNeeds {
  /** The task's tools, in order of preference. */
  tools: string[];
  model: string | null;
  requirements: TaskRequirements;
  /** The worker to prefer: the task's affinity hint (upstream node's worker). */
  preferred_worker_id?: string | null;
  /** A code task's repository URL. */
  repo_url?: string | null;
}

export interface ScoreBreakdown {
  worker_id: string;
  /** The tool the worker would run the task with. */
  tool: string;
  /** The task's tools before that one, each with why the worker passed over it (absent when none). */
  passed_over?: Array<Pick<PassedOverTool, "tool" | "reason">>;
  total: number;
  match: number;
  availability: number;
  balance: number;
  affinity: number;
  /** For a code task: whether the worker holds a clone of its repository (part of `affinity`). */
  repo_cached?: boolean;
}

export interface Rejection {
  worker_id: string;
  reason: string;
}

export interface Allocation {
  ranked: ScoreBreakdown[];
  rejected: Rejection[];
}

/**
 * What a stored score explains its allocation with (the task page's "workers considered"): the weights applied,
 * every ranked worker's total and the workers left out with why. One shape for push, pull and free-slot claims.
 */
export function allocationExplained(allocation: Allocation, weights: AllocatorWeights) {
  return {
    rejected: allocation.rejected,
    weights,
    ranked: allocation.ranked.map(({ worker_id, total }) => ({ worker_id, total })),
  };
}

/** Why this worker cannot take the task, or null when it can. */
export function rejectionReason(
  worker: CandidateWorker,
  task: TaskNeeds,
  thresholds: ResourceThresholds = defaultThresholds,
  now: Date = new Date(),
): string | null {
  if (worker.status !== "online") return "offline";
  if (worker.draining) return "draining";
  if (worker.running_tasks >= worker.slots) return "no free slot";
  const choice = chooseTool(worker, task, now);
  if (!choice.tool) return choice.passed_over.map((passed) => passed.reason).join("; ");
  if ((worker.cpu_percent ?? 0) > thresholds.cpu_percent) return "cpu busy";
  if ((worker.memory_percent ?? 0) > thresholds.memory_percent) return "memory full";
  if ((worker.disk_percent ?? 0) > thresholds.disk_percent) return "disk full";
  const missing = (task.requirements.labels ?? []).filter((label) => !worker.labels.includes(label));
  if (missing.length > 0) return `lacks label ${missing.join(", ")}`;
  const { min_memory_gb, min_cpu_cores } = task.requirements;
  if (min_memory_gb !== undefined && (worker.capacity.memory_gb ?? 0) < min_memory_gb) return "not enough memory";
  if (min_cpu_cores !== undefined && (worker.capacity.cpu_cores ?? 0) < min_cpu_cores) return "not enough cpu cores";
  return null;
}

export function allocate(
  task: TaskNeeds,
  workers: CandidateWorker[],
  weights: AllocatorWeights = defaultWeights,
  thresholds: ResourceThresholds = defaultThresholds,
  now: Date = new Date(),
): Allocation {
  const rejected: Rejection[] = [];
  const eligible: CandidateWorker[] = [];
  for (const worker of workers) {
    const reason = rejectionReason(worker, task, thresholds, now);
    if (reason) rejected.push({ worker_id: worker.worker_id, reason });
    else eligible.push(worker);
  }
  const heaviest = Math.max(0, ...eligible.map(load));
  const ranked = eligible
    .map((worker) => scoreWorker(worker, task, heaviest, weights, now))
    .sort((a, b) => b.total - a.total || a.worker_id.localeCompare(b.worker_id));
  return { ranked, rejected };
}

/**
 * One worker's breakdown, given the heaviest load among the candidates it is compared with. `chosenTool`:
 * the tool it runs the task with when that is already decided (a claim chose it); else the first it can run.
 */
export function scoreWorker(
  worker: CandidateWorker,
  task: TaskNeeds,
  heaviest: number,
  weights: AllocatorWeights = defaultWeights,
  now: Date = new Date(),
  chosenTool?: string,
): ScoreBreakdown {
  const choice = chooseTool(worker, task, now);
  const tool = chosenTool ?? choice.tool ?? task.tools[0] ?? "";
  const passedOver = choice.passed_over
    .filter((passed) => passed.tool !== tool && task.tools.indexOf(passed.tool) < task.tools.indexOf(tool))
    .map(({ tool: name, reason }) => ({ tool: name, reason }));
  const parts = {
    match: matchScore(worker, tool, task.model),
    availability: availabilityScore(worker),
    balance: heaviest === 0 ? 1 : Math.max(0, 1 - load(worker) / heaviest),
    affinity: task.preferred_worker_id === worker.worker_id ? 1 : worker.has_repo ? REPO_AFFINITY : 0,
  };
  const total =
    weights.match * parts.match +
    weights.availability * parts.availability +
    weights.balance * parts.balance +
    weights.affinity * parts.affinity;
  return {
    worker_id: worker.worker_id,
    tool,
    ...(passedOver.length > 0 ? { passed_over: passedOver } : {}),
    total: round(total),
    match: round(parts.match),
    availability: round(parts.availability),
    balance: round(parts.balance),
    affinity: round(parts.affinity),
    ...(task.repo_url ? { repo_cached: worker.has_repo === true } : {}),
  };
}

/** The load share of a worker: held tasks over slots. */
export function load(worker: CandidateWorker): number {
  return worker.running_tasks / worker.slots;
}

function matchScore(worker: CandidateWorker, toolName: string, model: string | null): number {
  if (!model) return 1;
  const tool = worker.tools.find((candidate) => candidate.name === toolName);
  return tool?.models.includes(model) ? 1 : 0.5;
}

function availabilityScore(worker: CandidateWorker): number {
  const freeShare = Math.max(0, worker.slots - worker.running_tasks) / worker.slots;
  const idle = 1 - ((worker.cpu_percent ?? 0) + (worker.memory_percent ?? 0)) / 200;
  return freeShare * Math.max(0, idle);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
