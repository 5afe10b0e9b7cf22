// What the panel shows, read from the supervisor and its worker in one go: the pages render it and
// GET /api/state returns it (another shell around the panel, or a script, can read the same).
import type { WorkerTool } from "@garageswarm/protocol";
import type { FinishedAttempt, RunningAttempt } from "../agent/activity.ts";
import type { WorkerPhase } from "../agent/worker.ts";
import type { LogLine, SupervisorStatus, WorkerSupervisor } from "./supervisor.ts";

/** The one word for where the worker is, as the Status page's badge says it. */
export type PanelStateLabel =
  | "Not connected"
  | "Starting"
  | "Connected"
  | "Pulling"
  | "Paused"
  | "Draining"
  | "Disconnected"
  | "Failed";

export interface PanelState {
  label: PanelStateLabel;
  status: SupervisorStatus;
  phase: WorkerPhase | null;
  /** Why it is not running, or the last thing that went wrong. */
  problem: string | null;
  server: string | null;
  name: string | null;
  worker_id: string | null;
  mode: "websocket" | "pull" | null;
  slots: number;
  slots_used: number;
  running: RunningAttempt[];
  recent: FinishedAttempt[];
  tools: WorkerTool[];
  logs: LogLine[];
  state_dir: string;
}

export function panelState(supervisor: WorkerSupervisor): PanelState {
  const { worker, settings } = supervisor;
  const live = supervisor.status === "running" ? worker : null;
  const running = live?.running() ?? [];
  return {
    label: labelOf(supervisor.status, live?.phase ?? null),
    status: supervisor.status,
    phase: live?.phase ?? null,
    problem: supervisor.problem,
    server: settings?.server ?? null,
    name: settings?.name ?? null,
    worker_id: worker?.worker_id || null,
    mode: live && live.phase !== "stopped" ? live.mode : null,
    slots: settings?.slots ?? 0,
    slots_used: running.length,
    running,
    recent: worker?.recent() ?? [],
    tools: worker?.tools ?? [],
    logs: supervisor.logs(),
    state_dir: supervisor.stateDir,
  };
}

function labelOf(status: SupervisorStatus, phase: WorkerPhase | null): PanelStateLabel {
  switch (status) {
    case "not_set_up":
      return "Not connected";
    case "starting":
      return "Starting";
    case "failed":
      return "Failed";
    case "stopped":
      return "Disconnected";
    case "running":
      switch (phase) {
        case "connected":
          return "Connected";
        case "pulling":
          return "Pulling";
        case "paused":
          return "Paused";
        case "draining":
          return "Draining";
        case "starting":
          return "Starting";
        default:
          return "Disconnected";
      }
  }
}
