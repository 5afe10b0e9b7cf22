// The worker's building blocks: tools (detect, health, run), the executor that runs tasks in slots, and
// the resource monitor. The connection to the server and the CLI command are built on these.

export type { FinishedAttempt, RunningAttempt } from "./agent/activity.ts";
export { type ConfigPatch, updateConfigFile } from "./agent/config-file.ts";
export {
  defaultStateDir,
  loadMachineId,
  readConfigFile,
  WorkerConfigFile,
} from "./agent/identity.ts";
export { consoleLog, silentLog, type WorkerLog } from "./agent/log.ts";
export { MaxConcurrent, parseMaxConcurrent } from "./agent/max-concurrent.ts";
export {
  configOfFlags,
  resolveMaxConcurrent,
  resolveSandboxSettings,
  resolveWorkerSettings,
  type SandboxFlags,
  type SandboxSettings,
  type WorkerFlags,
  type WorkerSettings,
  workerEnvNames,
} from "./agent/settings.ts";
export {
  type StartWorkerOptions,
  startWorker,
  WORKER_VERSION,
  type WorkerHandle,
  type WorkerPhase,
} from "./agent/worker.ts";
export {
  type DrainReport,
  Executor,
  type ExecutorEvents,
  type ExecutorOptions,
  type ExecutorTask,
  type RejectReason,
  type TaskFailure,
  type TaskOutcome,
  TaskRejectedError,
} from "./executor/executor.ts";
export { defaultWorkBase, type WorkdirOptions, type WorkdirStore, Workdirs } from "./executor/workdir.ts";
export {
  DEFAULT_PANEL_PORT,
  loadPanelSecret,
  openInBrowser,
  type PanelState,
  panelState,
  type RunningPanel,
  readPanelAddress,
  type SupervisorOptions,
  signInUrl,
  startPanel,
  WorkerSupervisor,
} from "./panel/index.ts";
export { ResourceMonitor, type ResourceSample } from "./resources/resources.ts";
export { agentToolIds, modelNameProblem, wideningOptions } from "./tools/agent-modes.ts";
export { loadToolsConfig, ToolsConfig, type ToolsConfigInput, toolEnvNames } from "./tools/config.ts";
export { isForbiddenName, toolEnvironment } from "./tools/environment.ts";
export {
  type AbortReason,
  ToolAbortedError,
  ToolError,
  ToolInputError,
  ToolLimitedError,
  ToolRunError,
  ToolUnavailableError,
} from "./tools/errors.ts";
export { killProcessTree } from "./tools/kill-tree.ts";
export { costOf } from "./tools/pricing.ts";
export { createToolRegistry, type ToolRegistry, type ToolRegistryOptions } from "./tools/registry.ts";
export type { OutputStream, RunContext, Tool, ToolHealth, ToolTask } from "./tools/tool.ts";
