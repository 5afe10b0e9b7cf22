// Keeps one worker running in this process for the control panel, which outlives it: the panel connects a
// worker that has no server yet, applies new settings by starting the worker again, and starts it after a
// drain. Its state:
//   not_set_up → no server or key in flags, env or config.json: the panel shows Connect
//   starting   → startWorker is registering (retrying while the server cannot be reached)
//   running    → a worker handle; its own phase (connected/pulling/paused/draining) says more
//   stopped    → the worker drained or stopped; start() runs it again
//   failed     → the settings or the server refused it (a bad key, a bad config.json): `problem` says why
// Every change of settings goes through config.json (the file the worker reads at start), then the worker is
// drained (running tasks finish, up to the drain timeout) and started on the merged settings. Flags and env
// still win over the file, as they do for `garageswarm worker`: the panel shows which settings they pin.
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { type ConfigPatch, updateConfigFile } from "../agent/config-file.ts";
import { defaultStateDir } from "../agent/identity.ts";
import type { WorkerLog } from "../agent/log.ts";
import { resolveWorkerSettings, type WorkerFlags, type WorkerSettings, workerEnvNames } from "../agent/settings.ts";
import { type StartWorkerOptions, startWorker, type WorkerHandle } from "../agent/worker.ts";

export type SupervisorStatus = "not_set_up" | "starting" | "running" | "stopped" | "failed";

export interface LogLine {
  at: string;
  level: "info" | "warn" | "error";
  message: string;
}

/** Log lines kept for the panel. */
const LOG_LINES = 200;

export interface SupervisorOptions {
  /** What the command line gave: these win over config.json, as for `garageswarm worker`. */
  flags: WorkerFlags;
  env?: NodeJS.ProcessEnv;
  /** Where the worker's lines go besides the panel (the console). */
  log: WorkerLog;
  /** Worker options no setting covers (the health check interval). */
  extra?: Partial<StartWorkerOptions>;
}

/** A setting the panel edits, and the flag or variable that decides it instead when one is given. */
export type EditableSetting =
  | "server"
  | "key"
  | "name"
  | "slots"
  | "labels"
  | "enable_shell"
  | "allow_unsafe_agent_modes"
  | "max_concurrent";

export class WorkerSupervisor extends EventEmitter<{ change: [] }> {
  status: SupervisorStatus = "starting";
  /** Why the worker is not running (failed), or what went wrong last. */
  problem: string | null = null;
  worker: WorkerHandle | null = null;
  /** The settings the worker runs (or last ran) with. */
  settings: WorkerSettings | null = null;
  readonly stateDir: string;
  private readonly lines: LogLine[] = [];
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: WorkerLog;
  /** Cancels a start still registering. */
  private starting: AbortController | null = null;
  /** Starts and stops run one after another. */
  private queue: Promise<void> = Promise.resolve();
  private readonly onWorkerChange = () => this.emit("change");

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.env = options.env ?? process.env;
    const envStateDir = this.env[workerEnvNames.stateDir];
    this.stateDir = resolve(options.flags.stateDir ?? (envStateDir || defaultStateDir()));
    const record = (level: LogLine["level"]) => (message: string) => {
      options.log[level](message);
      this.lines.push({ at: new Date().toISOString(), level, message });
      if (this.lines.length > LOG_LINES) this.lines.shift();
      this.emit("change");
    };
    this.log = { info: record("info"), warn: record("warn"), error: record("error") };
  }

  logs(): LogLine[] {
    return [...this.lines];
  }

  /** Starts the worker from flags, env and config.json; resolves once it runs, failed or needs setting up. */
  start(): Promise<void> {
    return this.enqueue(() => this.launch());
  }

  /** Writes the settings into config.json, then drains the worker and starts it on them. */
  async apply(patch: ConfigPatch): Promise<void> {
    await updateConfigFile(this.stateDir, patch);
    // A start still registering (a server that does not answer) gives way to the new settings.
    this.starting?.abort();
    this.log.info(`settings saved to config.json (${Object.keys(patch).join(", ")}); starting the worker again`);
    void this.enqueue(async () => {
      await this.stopWorker("drain");
      await this.launch();
    });
  }

  /** Finishes running tasks (up to the drain timeout), then stops; the panel stays up. */
  drain(): Promise<void> {
    this.starting?.abort();
    return this.enqueue(() => this.stopWorker("drain"));
  }

  /** For the process's exit: `handBack` hands running tasks back at once instead of letting them finish. */
  shutdown(handBack: boolean): Promise<void> {
    this.starting?.abort();
    return this.enqueue(() => this.stopWorker(handBack ? "hand_back" : "drain"));
  }

  pause(): void {
    this.worker?.pause();
  }

  resume(): void {
    this.worker?.resume();
  }

  /** The settings the worker would start with now (flags, env and config.json); null while they are incomplete. */
  async intendedSettings(): Promise<WorkerSettings | null> {
    return resolveWorkerSettings(this.options.flags, this.env).catch(() => null);
  }

  /** The settings a flag or env variable decides, by the name the panel shows for them. */
  pinned(): Partial<Record<EditableSetting, string>> {
    const { flags } = this.options;
    const fromEnv = (name: string) => this.env[name] !== undefined && this.env[name] !== "";
    const pins: Partial<Record<EditableSetting, string>> = {};
    const pin = (setting: EditableSetting, flag: string, given: boolean, envName?: string) => {
      if (given) pins[setting] = flag;
      else if (envName && fromEnv(envName)) pins[setting] = envName;
    };
    pin("server", "--server", flags.server !== undefined, workerEnvNames.server);
    pin("key", "--key", flags.key !== undefined, workerEnvNames.key);
    pin("name", "--name", flags.name !== undefined, workerEnvNames.name);
    pin("slots", "--slots", flags.slots !== undefined, workerEnvNames.slots);
    pin("labels", "--labels", flags.labels !== undefined, workerEnvNames.labels);
    pin("enable_shell", "--enable-shell", flags.enableShell !== undefined);
    pin(
      "allow_unsafe_agent_modes",
      "--allow-unsafe-agent-modes",
      flags.allowUnsafeAgentModes !== undefined,
      workerEnvNames.allowUnsafeAgentModes,
    );
    pin("max_concurrent", "--max-concurrent", flags.maxConcurrent !== undefined, workerEnvNames.maxConcurrent);
    return pins;
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.queue.then(step, step);
    this.queue = next.catch(() => {});
    return next;
  }

  private setStatus(status: SupervisorStatus, problem: string | null = null): void {
    this.status = status;
    this.problem = problem;
    this.emit("change");
  }

  private async launch(): Promise<void> {
    let settings: WorkerSettings;
    try {
      settings = await resolveWorkerSettings(this.options.flags, this.env);
    } catch (error) {
      const message = (error as Error).message;
      if (/^no (server|API key)/.test(message)) return this.setStatus("not_set_up", message);
      this.log.error(message);
      return this.setStatus("failed", message);
    }
    this.settings = settings;
    this.setStatus("starting");
    const starting = new AbortController();
    this.starting = starting;
    try {
      const worker = await startWorker({
        ...settings,
        ...this.options.extra,
        log: this.log,
        signal: starting.signal,
      });
      this.worker = worker;
      if (starting.signal.aborted) {
        await worker.stop();
        return this.setStatus("stopped");
      }
      worker.events.on("change", this.onWorkerChange);
      void worker.stopped.then(() => {
        worker.events.off("change", this.onWorkerChange);
        if (this.worker === worker && this.status === "running") this.setStatus("stopped");
      });
      this.setStatus("running");
    } catch (error) {
      if (starting.signal.aborted) return this.setStatus("stopped");
      const message = (error as Error).message;
      this.log.error(message);
      this.setStatus("failed", message);
    } finally {
      if (this.starting === starting) this.starting = null;
    }
  }

  private async stopWorker(how: "drain" | "hand_back"): Promise<void> {
    this.starting?.abort();
    const worker = this.worker;
    if (!worker) return;
    this.emit("change");
    await (how === "drain" ? worker.drain() : worker.stop());
    this.setStatus("stopped");
  }
}
