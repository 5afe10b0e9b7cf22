// Why a queued task is not running yet, as a pure function over the task, the workers its user may run
// tasks on (with their tools, labels, capacity and what they hold) and the time. The first stage that
// stops every worker names the reason:
//   backoff / tool_limited   the task itself may not be claimed yet: retrying after a failure, or parked
//                            by a usage limit until its reset
//   pinned_worker_unavailable  pinned to a worker that is offline, draining, or no longer the user's to use
//   no_online_worker         no worker the user may run tasks on is online
//   no_worker_with_tool      none of those offers one of the task's tools in working order
//   model_not_offered        none of those tools takes the task's model
//   requirements_unmet       no worker left has the required labels, cpu cores or memory
//   tool_limited             every tool left is limited (the earliest reset is named)
//   workers_busy             every worker left is draining, has no free slot, or has its tool at its cap
// Null when the task is not queued, or when some worker could take it right now. The claim (queue/transitions/claim.ts)
// and the allocator (allocator/tool-choice.ts) apply the same rules; this only explains them.
import type { TaskRequirements, ToolId, WaitingReason, WorkerCapacity, WorkerTool } from "@garageswarm/protocol";
import { acceptsModel, isLimited } from "../allocator/tool-choice.ts";

export const toolNames: Record<ToolId, string> = {
  claude_code: "Claude Code",
  codex_cli: "Codex CLI",
  gemini_cli: "Gemini CLI",
  anthropic: "Anthropic API",
  openai_compatible: "OpenAI-compatible API",
  gemini_api: "Gemini API",
  ollama: "Ollama",
  shell: "Shell",
};

/** The usage limit that last parked a task (tasks.parked). */
export interface Parked {
  worker_id: string;
  tool: string;
  kind: string;
  message: string;
  until: string;
}

export interface WaitingTask {
  status: string;
  tools: readonly string[];
  model: string | null;
  requirements: TaskRequirements;
  pinned_worker_id: string | null;
  available_at: Date;
  attempt: number;
  error: string | null;
  parked: Parked | null;
}

/** A worker the task's user may run tasks on, whatever its status. */
export interface RunnableWorker {
  worker_id: string;
  machine_name: string;
  status: string;
  draining: boolean;
  tools: readonly WorkerTool[];
  labels: readonly string[];
  capacity: WorkerCapacity;
  slots: number;
  running_tasks: number;
  held_by_tool: Readonly<Record<string, number>>;
}

/** One of the task's tools on one worker: the unit every stage below filters. */
interface Offer {
  worker: RunnableWorker;
  tool: WorkerTool;
}

export function waitingReason(task: WaitingTask, workers: readonly RunnableWorker[], now: Date): WaitingReason | null {
  if (task.status !== "queued") return null;
  const machineOf = (workerId: string) =>
    workers.find((worker) => worker.worker_id === workerId)?.machine_name ?? "a worker";

  if (task.available_at.getTime() > now.getTime()) {
    const until = task.available_at.toISOString();
    if (task.parked) {
      const { tool, until: reset, worker_id } = task.parked;
      return reason(
        "tool_limited",
        `waiting for the ${nameOf(tool)} limit to reset at ${clockTime(new Date(reset), now)} on ${machineOf(worker_id)}`,
        until,
      );
    }
    const failure = firstLine(task.error ?? "") || "it ended without a result";
    return reason(
      "backoff",
      `attempt ${task.attempt} failed: ${failure}; retrying in ${duration(task.available_at.getTime() - now.getTime())}`,
      until,
    );
  }

  let candidates = workers;
  if (task.pinned_worker_id) {
    const pinned = workers.find((worker) => worker.worker_id === task.pinned_worker_id);
    if (!pinned) {
      return reason("pinned_worker_unavailable", "pinned to a worker you may no longer run tasks on", null);
    }
    if (pinned.status !== "online") {
      return reason("pinned_worker_unavailable", `pinned to ${pinned.machine_name}, which is offline`, null);
    }
    if (pinned.draining) {
      return reason("pinned_worker_unavailable", `pinned to ${pinned.machine_name}, which is draining`, null);
    }
    candidates = [pinned];
  }

  const online = candidates.filter((worker) => worker.status === "online");
  if (online.length === 0) {
    const names = candidates.map((worker) => worker.machine_name);
    return reason(
      "no_online_worker",
      names.length === 0
        ? "you have no worker to run it on: register one, or accept a share of someone's"
        : `no worker of yours is online (${listed(names, "and")} ${names.length === 1 ? "is" : "are"} offline)`,
      null,
    );
  }

  const offered: Offer[] = online.flatMap((worker) =>
    task.tools.flatMap((name) => {
      const tool = worker.tools.find((entry) => entry.name === name);
      return tool ? [{ worker, tool }] : [];
    }),
  );
  const toolList = listed(task.tools.map(nameOf), "or");
  if (offered.length === 0) return reason("no_worker_with_tool", `no online worker offers ${toolList}`, null);

  const working = offered.filter((offer) => offer.tool.healthy !== false);
  if (working.length === 0) {
    const why = offered.slice(0, 3).map(({ worker, tool }) => {
      const state = tool.auth === "not_logged_in" ? "is not logged in" : "is unhealthy";
      return `${nameOf(tool.name)} ${state} on ${worker.machine_name}${tool.detail ? ` (${firstLine(tool.detail)})` : ""}`;
    });
    return reason(
      "no_worker_with_tool",
      `no online worker offers ${toolList} in working order: ${why.join("; ")}`,
      null,
    );
  }

  const taking = working.filter((offer) => acceptsModel(offer.tool, task.model));
  if (taking.length === 0) {
    const known = working
      .slice(0, 3)
      .map(({ worker, tool }) => `${worker.machine_name} offers ${tool.models.join(", ")}`);
    return reason(
      "model_not_offered",
      `no online worker offers model ${task.model} for ${toolList} (${known.join("; ")})`,
      null,
    );
  }

  const meeting = taking.filter((offer) => unmetRequirement(offer.worker, task.requirements) === null);
  if (meeting.length === 0) {
    const machines = [...new Set(taking.map((offer) => offer.worker))].slice(0, 3);
    const why = machines.map((worker) => `${worker.machine_name} ${unmetRequirement(worker, task.requirements)}`);
    return reason(
      "requirements_unmet",
      `no online worker with ${toolList} meets the task's requirements: ${why.join("; ")}`,
      null,
    );
  }

  const unlimited = meeting.filter((offer) => !isLimited(offer.tool, now));
  if (unlimited.length === 0) {
    const [first] = [...meeting].sort(
      (a, b) => Date.parse(a.tool.limited_until as string) - Date.parse(b.tool.limited_until as string),
    );
    if (first) {
      const reset = first.tool.limited_until as string;
      return reason(
        "tool_limited",
        `waiting for the ${nameOf(first.tool.name)} limit to reset at ${clockTime(new Date(reset), now)} on ${first.worker.machine_name}`,
        new Date(reset).toISOString(),
      );
    }
  }

  const busy = unlimited.map((offer) => ({ offer, why: busyReason(offer) }));
  if (busy.some((entry) => entry.why === null)) return null;
  const machines = new Set(busy.map((entry) => entry.offer.worker.worker_id));
  const why = [...new Set(busy.map((entry) => `${entry.offer.worker.machine_name} ${entry.why}`))].slice(0, 3);
  return reason(
    "workers_busy",
    `${machines.size === 1 ? "the one worker" : `all ${machines.size} workers`} that can run it ${machines.size === 1 ? "is" : "are"} busy: ${why.join("; ")}`,
    null,
  );
}

function busyReason({ worker, tool }: Offer): string | null {
  if (worker.draining) return "is draining";
  if (worker.running_tasks >= worker.slots) return `has no free slot (${worker.running_tasks} of ${worker.slots})`;
  const cap = tool.max_concurrent;
  if (cap !== undefined && (worker.held_by_tool[tool.name] ?? 0) >= cap) {
    return `runs ${nameOf(tool.name)} at its cap of ${cap}`;
  }
  return null;
}

function unmetRequirement(worker: RunnableWorker, requirements: TaskRequirements): string | null {
  const missing = (requirements.labels ?? []).filter((label) => !worker.labels.includes(label));
  if (missing.length > 0) return `lacks the label${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
  const { min_cpu_cores, min_memory_gb } = requirements;
  if (min_cpu_cores !== undefined && (worker.capacity.cpu_cores ?? 0) < min_cpu_cores) {
    return `has ${worker.capacity.cpu_cores ?? 0} of the ${min_cpu_cores} cpu cores asked for`;
  }
  if (min_memory_gb !== undefined && (worker.capacity.memory_gb ?? 0) < min_memory_gb) {
    return `has ${worker.capacity.memory_gb ?? 0} of the ${min_memory_gb} GB of memory asked for`;
  }
  return null;
}

function reason(code: WaitingReason["code"], message: string, until: string | null): WaitingReason {
  return { code, message, until };
}

function nameOf(tool: string): string {
  return toolNames[tool as ToolId] ?? tool;
}

/** "a", "a or b", "a, b or c". */
function listed(items: readonly string[], last: "and" | "or"): string {
  if (items.length <= 1) return items[0] ?? "";
  return `${items.slice(0, -1).join(", ")} ${last} ${items.at(-1)}`;
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0]?.trim() ?? "";
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

/** "8 s", "4 min", "2 h 5 min": how long until something happens. */
function duration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ""}`;
}

/** "19:00 UTC" today, "2026-12-02 19:00 UTC" on another day: the server knows no reader's time zone. */
function clockTime(at: Date, now: Date): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 16)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}
