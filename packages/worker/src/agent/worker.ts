// The worker agent: connects this machine to a GarageSwarm server and runs the tasks it is given. Its
// phase:
//   starting   → machine id from the state dir, tools detected, registered over REST (retried until the
//                server answers; a refused key is fatal), reports left by a previous run resent
//   connected  → a WebSocket session: hello/welcome, task.assign pushed in, heartbeats over the socket
//   pulling    → no WebSocket (it failed, or --pull): HTTP long-poll for tasks and REST heartbeats, until
//                the next reconnect attempt (jittered exponential backoff); with --pull, for good
//   paused     → the owner paused it (the control panel): no session and no long-poll, so the server offers
//                it nothing; running tasks go on, heartbeats go on over HTTP; resume goes back to connected
//   draining   → takes nothing new (the long-poll in flight is cut, offers are refused); running tasks
//                finish, or are killed and handed back (task.fail, retryable) once the deadline passes;
//                reports are flushed
//   stopped    → every loop has ended
// connected ⇄ pulling as sessions open and close (connection.ts); connected/pulling ⇄ paused by the owner
// (the control panel); any phase → draining → stopped.
// A wake (the machine slept, or the process was stopped, for more than two heartbeats: wake-watch.ts) is
// logged once and reconciled once: one new session at once, and a heartbeat naming the tasks still running
// here; those the server answers it no longer holds are stopped without a report, the rest keep running.
// Invariants: every admitted attempt ends in exactly one report, stored in the outbox before it is sent
// and kept until the server acknowledged or fenced it off (attempts.ts); output and progress are best effort.
import type { EventEmitter } from "node:events";
import { availableParallelism, hostname, platform as osPlatform, totalmem } from "node:os";
import { join } from "node:path";
import type { ToolId, WorkerRegister, WorkerTool } from "@garageswarm/protocol";
import { CloneCache } from "../code/clone-cache.ts";
import { CodeTasks } from "../code/code-tasks.ts";
import { gitEnvironment } from "../code/git.ts";
import { DEFAULT_WORKTREE_RETENTION_SECONDS, Worktrees } from "../code/worktrees.ts";
import { Executor } from "../executor/executor.ts";
import { type WorkdirStore, Workdirs } from "../executor/workdir.ts";
import { ResourceMonitor } from "../resources/resources.ts";
import { toolEnvironment } from "../tools/environment.ts";
import { createToolRegistry, type ToolRegistryOptions } from "../tools/registry.ts";
import { Activity, type ActivityEvents, type FinishedAttempt, type RunningAttempt } from "./activity.ts";
import { Attempts } from "./attempts.ts";
import { Backoff, sleep } from "./backoff.ts";
import { systemClock, type WorkerClock } from "./clock.ts";
import { Connection, type Hello } from "./connection.ts";
import { defaultStateDir, loadMachineId, secureStateDir } from "./identity.ts";
import type { ServerLink } from "./link.ts";
import { silentLog, type WorkerLog } from "./log.ts";
import { Outbox } from "./outbox.ts";
import { ApiError, RestClient } from "./rest.ts";
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from "./settings.ts";
import type { Welcome } from "./socket.ts";
import { ToolCatalog } from "./tool-catalog.ts";
import { type Wake, WakeWatch } from "./wake-watch.ts";

export const WORKER_VERSION = "0.1.0";

export interface StartWorkerOptions {
  /** The server's base URL, e.g. `http://host:8000`. */
  server: string;
  /** An API key (`gs_…`) of the user who owns this worker. */
  key: string;
  /** Holds the machine id, config.json and undelivered reports (default ~/.garageswarm/worker); kept 0700. */
  stateDir?: string;
  name?: string;
  /** Tasks run at once (default 1). */
  slots?: number;
  /** At most this many tasks of a tool at once (--max-concurrent claude_code=2); advertised to the server. */
  maxConcurrent?: Partial<Record<ToolId, number>>;
  /** Never use the WebSocket: long-poll over HTTP only. */
  pull?: boolean;
  labels?: string[];
  /** Offer the `shell` tool (runs prompts as shell commands). */
  enableShell?: boolean;
  /** On drain, how long running tasks may take before they are handed back (default 60). */
  drainTimeoutSeconds?: number;
  /** How often the tools are detected again (default 60). */
  healthCheckIntervalSeconds?: number;
  /** Longest wait of one long-poll for a task (default 20). */
  pullWaitSeconds?: number;
  /** Tool settings (hosts, commands, keys) besides what the environment gives. */
  tools?: Omit<ToolRegistryOptions, "env" | "enableShell">;
  /**
   * Where tools read keys and hosts (default process.env). Tool processes get only an allow-listed part of it
   * plus `passEnv`: never GARAGESWARM_*, DATABASE_URL or REDIS_URL.
   */
  env?: NodeJS.ProcessEnv;
  /** Extra variable names tool processes get (--pass-env). */
  passEnv?: readonly string[];
  /** Agent tools whose powers task options may widen (--allow-unsafe-agent-modes); default none. */
  allowUnsafeAgentModes?: readonly ToolId[];
  /** Where task workdirs go (default <os tmpdir>/garageswarm-<uid>); never inside the state dir. */
  workDir?: string;
  /** Seconds a finished task's workdir is kept (default 0: removed when the task ends). */
  workdirRetentionSeconds?: number;
  /** Seconds a code task's worktree is kept for a review's follow-up (default a week). */
  worktreeRetentionSeconds?: number;
  /** Directories task workdirs must stay out of besides the state dir (the data dir under `up`). */
  protectedDirs?: string[];
  log?: WorkerLog;
  /** Monotonic and wall time (default the system's); tests drive it. */
  clock?: WorkerClock;
  /** The version it reports (default WORKER_VERSION); the CLI gives its own, fixed at build time in a bundle. */
  version?: string;
  /** Aborting it before the worker registered gives up registering (startWorker rejects). */
  signal?: AbortSignal;
}

export type WorkerPhase = "starting" | "connected" | "pulling" | "paused" | "draining" | "stopped";

export interface WorkerHandle {
  readonly worker_id: string;
  /** Where the worker is in its life (the phases in worker.ts's header). */
  readonly phase: WorkerPhase;
  /** How the worker reaches the server now. */
  readonly mode: "websocket" | "pull";
  /** Tools as last detected. */
  readonly tools: WorkerTool[];
  /** The server it registered with, and the slots it runs. */
  readonly server: string;
  readonly slots: number;
  /** The attempts running now, with the tail of their output. */
  running(): RunningAttempt[];
  /** The last attempts that ended here, newest first. */
  recent(): FinishedAttempt[];
  /** `change` when anything above changed (phase, tools, attempts, output); `output` with each chunk. */
  readonly events: EventEmitter<ActivityEvents>;
  /** Detects the tools again now rather than at the next health check. */
  checkTools(): Promise<void>;
  /** Stops taking tasks (running ones go on) until resume(); no-op while draining or stopped. */
  pause(): void;
  resume(): void;
  /** Takes no new work, lets running tasks finish (handing back what outlives the deadline), then stops. */
  drain(): Promise<void>;
  /** Hands running tasks back at once, then stops. */
  stop(): Promise<void>;
  /** Resolves once the worker has stopped. */
  readonly stopped: Promise<void>;
}

/** Starts a worker; resolves once it is registered (its id known) and taking work. */
export async function startWorker(options: StartWorkerOptions): Promise<WorkerHandle> {
  const agent = new Agent(options);
  await agent.start();
  return {
    get worker_id() {
      return agent.workerId;
    },
    get mode() {
      return agent.mode;
    },
    get phase() {
      return agent.phase;
    },
    get tools() {
      return agent.catalog.current();
    },
    server: options.server.replace(/\/+$/, ""),
    slots: options.slots ?? 1,
    running: () => agent.activity.running(),
    recent: () => agent.activity.recent(),
    events: agent.activity,
    checkTools: () => agent.checkTools(),
    pause: () => agent.pause(),
    resume: () => agent.resume(),
    drain: () => agent.drain(agent.drainTimeoutMs),
    stop: () => agent.drain(0),
    stopped: agent.stopped,
  };
}

const FLUSH_DEADLINE_MS = 10_000;
/** How often the worker compares its clocks to notice a wake. */
const WAKE_TICK_MS = 1_000;

class Agent {
  workerId = "";
  readonly catalog: ToolCatalog;
  readonly activity = new Activity();
  readonly drainTimeoutMs: number;
  readonly stopped: Promise<void>;

  private readonly log: WorkerLog;
  private readonly stateDir: string;
  private readonly rest: RestClient;
  private readonly executor: Executor;
  private readonly monitor: ResourceMonitor;
  private readonly outbox: Outbox;
  private readonly attempts: Attempts;
  private workdirs: Workdirs | null = null;
  private worktrees: Worktrees | null = null;
  /** Whose machine this is, from the registration: other users' code tasks run without the owner's powers. */
  private ownerUserId: string | null = null;
  private connection: Connection | null = null;
  /** Ends every loop: aborted once the worker has stopped. */
  private readonly stopping = new AbortController();
  /** Cuts the heartbeat loop's sleep: the server should hear of a change (a limited tool) now. */
  private beatNow = new AbortController();
  private machineId = "";
  private heartbeatMs = 10_000;
  private draining: Promise<void> | null = null;
  private markStopped: () => void = () => {};
  private loops: Promise<unknown>[] = [];
  private readonly clock: WorkerClock;
  private readonly wakeWatch: WakeWatch;
  /** A wake's reconcile is under way: later late ticks are part of the same wake. */
  private reconciling = false;
  private currentPhase: WorkerPhase = "starting";
  private paused = false;

  constructor(private readonly options: StartWorkerOptions) {
    this.log = options.log ?? silentLog;
    this.clock = options.clock ?? systemClock;
    this.wakeWatch = new WakeWatch({
      clock: this.clock,
      tickMs: WAKE_TICK_MS,
      // More than two heartbeats missed: the server may be about to take (or has taken) the leases back.
      thresholdMs: () => 2 * this.heartbeatMs,
      onWake: (wake) => this.onWake(wake),
    });
    this.stateDir = options.stateDir ?? defaultStateDir();
    this.drainTimeoutMs = (options.drainTimeoutSeconds ?? DEFAULT_DRAIN_TIMEOUT_SECONDS) * 1000;
    this.rest = new RestClient(options.server.replace(/\/+$/, ""), options.key);
    const registry = createToolRegistry({
      ...options.tools,
      enableShell: options.enableShell ?? false,
      env: options.env ?? process.env,
      passEnv: options.passEnv ?? [],
    });
    const unsafeModes = options.allowUnsafeAgentModes ?? [];
    const maxConcurrent = options.maxConcurrent ?? {};
    this.catalog = new ToolCatalog(registry, { unsafeModes, maxConcurrent });
    // Opened in start(); no task is admitted before then.
    const workdirs: WorkdirStore = {
      create: (taskId, owner, options) => this.openedWorkdirs().create(taskId, owner, options),
      release: (taskId, options) => this.openedWorkdirs().release(taskId, options),
    };
    const env = options.env ?? process.env;
    const commandEnv = toolEnvironment("shell", env, options.passEnv ?? []);
    const code = new CodeTasks({
      cache: new CloneCache(join(this.stateDir, "repos")),
      worktrees: () => {
        if (!this.worktrees) throw new Error("the worker has not started");
        return this.worktrees;
      },
      sourceEnv: env,
      commandEnv,
      ownerUserId: () => this.ownerUserId,
      fetchStoredPatch: (task, workspace) => {
        if (!task.attempt_token) throw new Error("a follow-up needs its attempt token to fetch the stored patch");
        return this.rest.workspacePatch(task.task_id, task.attempt_token).catch((error: unknown) => {
          throw new Error(
            `cannot get the stored patch of ${workspace.branch} from the server: ${(error as Error).message}`,
          );
        });
      },
    });
    this.executor = new Executor({
      tools: registry,
      workdirs,
      code,
      slots: options.slots ?? 1,
      allowUnsafeAgentModes: unsafeModes,
      maxConcurrent,
    });
    this.monitor = new ResourceMonitor(this.stateDir);
    this.outbox = new Outbox(join(this.stateDir, "outbox"), (report) => this.link().deliver(report), this.log);
    this.attempts = new Attempts({
      executor: this.executor,
      catalog: this.catalog,
      outbox: this.outbox,
      link: () => this.link(),
      log: this.log,
      activity: this.activity,
      takingWork: () => this.takingWork(),
      onToolLimited: () => {
        this.beatNow.abort();
        this.activity.emit("change");
      },
      clock: this.clock,
    });
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
  }

  get phase(): WorkerPhase {
    return this.currentPhase;
  }

  set phase(phase: WorkerPhase) {
    if (phase === this.currentPhase) return;
    this.currentPhase = phase;
    this.activity.emit("change");
  }

  private takingWork(): boolean {
    return !this.paused && this.phase !== "draining" && this.phase !== "stopped";
  }

  pause(): void {
    if (this.paused || this.phase === "draining" || this.phase === "stopped") return;
    this.paused = true;
    this.phase = "paused";
    this.log.info("paused: taking no new tasks until resumed");
    this.connection?.holdOff();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.phase === "paused") this.phase = this.mode === "websocket" ? "connected" : "pulling";
    this.log.info("resumed: taking tasks again");
    this.connection?.takeWorkAgain();
  }

  async checkTools(): Promise<void> {
    if (await this.catalog.check()) this.activity.emit("change");
  }

  get mode(): "websocket" | "pull" {
    return this.connection?.link.mode ?? "pull";
  }

  private link(): ServerLink {
    if (!this.connection) throw new Error("the worker has not registered yet");
    return this.connection.link;
  }

  private openedWorkdirs(): Workdirs {
    if (!this.workdirs) throw new Error("the worker has not started");
    return this.workdirs;
  }

  async start(): Promise<void> {
    const given = this.options.signal;
    if (given?.aborted) throw new Error("stopped before registering");
    const giveUp = () => this.stopping.abort();
    given?.addEventListener("abort", giveUp, { once: true });
    await secureStateDir(this.stateDir);
    this.workdirs = await Workdirs.open({
      stateDir: this.stateDir,
      baseDir: this.options.workDir,
      retentionSeconds: this.options.workdirRetentionSeconds ?? 0,
      protectedDirs: this.options.protectedDirs,
    });
    this.log.info(`task workdirs under ${this.workdirs.root}`);
    // Beside the workdirs' root (apart from the state dir), not in it: their sweep must not take worktrees.
    this.worktrees = await Worktrees.open({
      root: `${this.workdirs.root}.worktrees`,
      retentionSeconds: this.options.worktreeRetentionSeconds ?? DEFAULT_WORKTREE_RETENTION_SECONDS,
      git: {
        env: gitEnvironment(toolEnvironment("shell", this.options.env ?? process.env), {}, true),
        untrusted: true,
      },
    });
    const machineId = await loadMachineId(this.stateDir);
    this.machineId = machineId;
    await this.catalog.check();
    const { tools, version } = this.catalog.snapshot();
    this.log.info(
      `tools: ${tools.map((tool) => `${tool.name}${tool.version ? ` ${tool.version}` : ""}`).join(", ") || "none found"}`,
    );
    // Given up (a refused key, or the caller's signal): the process may live on (the control panel).
    const registered = await this.register({
      machine_id: machineId,
      machine_name: this.options.name ?? hostname(),
      platform: `${osPlatform()}-${process.arch}`,
      tools,
      slots: this.executor.slots,
      labels: this.options.labels ?? [],
      capacity: { cpu_cores: availableParallelism(), memory_gb: Math.round(totalmem() / 2 ** 30) },
      version: this.options.version ?? WORKER_VERSION,
    }).catch((error: unknown) => {
      this.workdirs?.close();
      this.worktrees?.close();
      throw error;
    });
    this.ownerUserId = registered.owner_user_id;
    given?.removeEventListener("abort", giveUp);
    this.catalog.advertised(version);
    this.workerId = registered.worker_id;
    this.heartbeatMs = registered.heartbeat_interval_seconds * 1000;
    this.log.info(`registered as worker ${this.workerId} (${registered.machine_name}) at ${this.rest.baseUrl}`);
    this.connection = new Connection({
      rest: this.rest,
      key: this.options.key,
      workerId: this.workerId,
      pull: this.options.pull ?? false,
      pullWaitSeconds: this.options.pullWaitSeconds ?? 20,
      executor: this.executor,
      attempts: this.attempts,
      log: this.log,
      hello: () => this.hello(),
      onLink: (link, welcome) => this.onLink(link, welcome),
      takingWork: () => this.takingWork(),
      stopped: this.stopping.signal,
      clock: this.clock,
    });
    const resent = await this.outbox.resumePending();
    if (resent > 0) this.log.info(`resending ${resent} report(s) left by the previous run`);
    this.loops = [this.connection.run(), this.heartbeatLoop(), this.healthLoop()];
    this.wakeWatch.start();
  }

  /** One line, one new session, one heartbeat: the answer says which running tasks are no longer ours. */
  private onWake(wake: Wake): void {
    if (this.reconciling || this.phase === "draining" || this.phase === "stopped") return;
    this.reconciling = true;
    const away = Math.round(wake.absentMs / 1000);
    this.log.info(
      `woke after ~${away} s ${wake.cause === "sleep" ? "asleep" : "not running"}: reconnecting and asking the server ` +
        `which of the ${this.attempts.size} running task(s) are still this worker's`,
    );
    this.connection?.reconnectNow();
    this.beatNow.abort();
  }

  /** Registers, retrying while the server cannot be reached; a refused key or bad input is fatal. */
  private async register(body: WorkerRegister) {
    const backoff = new Backoff({ initialMs: 500, maxMs: 15_000 });
    for (;;) {
      try {
        return await this.rest.register(body);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          throw new Error(
            `the server refused the API key (${error.detail}); create one with "garageswarm keys create <name> --scope worker"`,
          );
        }
        if (error instanceof ApiError && error.status < 500) throw new Error(`registering failed: ${error.message}`);
        this.log.warn(`registering failed (${(error as Error).message}); retrying`);
        await sleep(backoff.next(), this.stopping.signal);
        if (this.stopping.signal.aborted) throw new Error("stopped before registering");
      }
    }
  }

  private async hello(): Promise<Hello> {
    return {
      machine_id: this.machineId,
      version: this.options.version ?? WORKER_VERSION,
      tools: this.catalog.current(),
      slots: this.executor.slots,
      resources: await this.monitor.sample(),
      running: this.attempts.held(),
    };
  }

  private onLink(link: ServerLink, welcome?: Welcome): void {
    if (welcome) this.heartbeatMs = welcome.heartbeat_interval_seconds * 1000;
    if (this.paused || this.phase === "draining" || this.phase === "stopped") return;
    this.phase = link.mode === "websocket" ? "connected" : "pulling";
    // A connection came back: reports waiting on their backoff go now.
    if (link.mode === "websocket") this.outbox.retryNow();
  }

  // --- heartbeats and tool health ------------------------------------------------------------------------

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await sleep(this.heartbeatMs, AbortSignal.any([this.stopping.signal, this.beatNow.signal]));
      if (this.beatNow.signal.aborted) this.beatNow = new AbortController();
      if (this.stopping.signal.aborted) return;
      try {
        await this.beat();
      } catch (error) {
        this.log.warn(`heartbeat failed (${(error as Error).message})`);
      } finally {
        this.reconciling = false;
      }
    }
  }

  private async beat(): Promise<void> {
    const sample = await this.monitor.sample();
    const running = this.executor.runningTasks().map((task) => task.task_id);
    const changed = this.catalog.unadvertised();
    const answer = await this.link().heartbeat({
      ...sample,
      running_task_ids: running,
      ...(changed ? { tools: changed.tools } : {}),
    });
    if (answer.accepted && changed) this.catalog.advertised(changed.version);
    if (answer.intervalSeconds !== undefined) this.heartbeatMs = answer.intervalSeconds * 1000;
    for (const taskId of answer.cancelTaskIds) {
      void this.attempts.abandon(taskId, "the server says stop: cancelled, or no longer this worker's");
    }
  }

  private async healthLoop(): Promise<void> {
    const everyMs = (this.options.healthCheckIntervalSeconds ?? 60) * 1000;
    while (!this.stopping.signal.aborted) {
      await sleep(everyMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        if (await this.catalog.check()) {
          this.activity.emit("change");
          const summary = this.catalog
            .current()
            .map((tool) => `${tool.name}${tool.healthy === false ? " (unhealthy)" : ""}`)
            .join(", ");
          this.log.info(`tools changed: ${summary || "none"}`);
        }
      } catch (error) {
        this.log.warn(`tool health check failed (${(error as Error).message})`);
      }
    }
  }

  // --- drain and stop ------------------------------------------------------------------------------------

  /** Stops taking work, waits up to `deadlineMs` for running tasks, hands back the rest, flushes, stops. */
  drain(deadlineMs: number): Promise<void> {
    this.draining ??= this.drainOnce(deadlineMs);
    return this.draining;
  }

  private async drainOnce(deadlineMs: number): Promise<void> {
    this.phase = "draining";
    this.connection?.stopPulling();
    const running = this.attempts.size;
    if (running > 0) this.log.info(`draining: waiting up to ${deadlineMs / 1000} s for ${running} running task(s)`);
    const report = await this.executor.drain({ deadlineMs });
    this.attempts.handBack(report.still_running);
    await Promise.all(report.still_running.map((taskId) => this.executor.cancel(taskId)));
    await this.attempts.settled();
    if (!(await this.outbox.flush(FLUSH_DEADLINE_MS))) {
      this.log.warn(`${this.outbox.size} report(s) not delivered yet; they are kept and sent on the next start`);
    }
    this.stopping.abort();
    this.wakeWatch.stop();
    this.workdirs?.close();
    this.worktrees?.close();
    this.outbox.stop();
    await Promise.all(this.loops);
    this.phase = "stopped";
    this.log.info("worker stopped");
    this.markStopped();
  }
}
