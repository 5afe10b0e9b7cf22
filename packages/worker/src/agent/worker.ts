// The worker agent: connects this machine to a GarageSwarm server and runs the tasks it is given.
//
//   start      → machine id from the state dir, tools detected, registered over REST (retried until the
//                server answers; a refused key is fatal), reports left by a previous run resent
//   connected  → a WebSocket session: hello/welcome, task.assign pushed in, heartbeats over the socket
//   pulling    → no WebSocket (it failed, or --pull): HTTP long-poll for tasks and REST heartbeats, until
//                the next reconnect attempt (jittered exponential backoff); with --pull, for good
//   draining   → takes nothing new; running tasks finish, or are killed and handed back (task.fail,
//                retryable) once the deadline passes; reports are flushed, then the worker stops
// Invariants: every admitted attempt ends in exactly one report, stored in the outbox before it is sent
// and kept until the server acknowledged or fenced it off; output and progress are best effort.
import { availableParallelism, hostname, platform as osPlatform, totalmem } from "node:os";
import { join } from "node:path";
import type {
  AssignedTask,
  ClaimedTask,
  ServerToWorker,
  ToolId,
  WorkerRegister,
  WorkerTool,
} from "@garageswarm/protocol";
import { Executor, type TaskOutcome, TaskRejectedError } from "../executor/executor.ts";
import { type WorkdirStore, Workdirs } from "../executor/workdir.ts";
import { ResourceMonitor } from "../resources/resources.ts";
import { createToolRegistry, type ToolRegistryOptions } from "../tools/registry.ts";
import type { OutputStream } from "../tools/tool.ts";
import { Backoff, sleep } from "./backoff.ts";
import { defaultStateDir, loadMachineId, secureStateDir } from "./identity.ts";
import { silentLog, type WorkerLog } from "./log.ts";
import { type DeliveryOutcome, Outbox, type Report } from "./outbox.ts";
import { reportOf, splitChunk } from "./reports.ts";
import { ApiError, RestClient, UnreachableError } from "./rest.ts";
import { DEFAULT_DRAIN_TIMEOUT_SECONDS } from "./settings.ts";
import { type Welcome, WorkerSocket } from "./socket.ts";
import { ToolHealth } from "./tool-health.ts";

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
  /** Directories task workdirs must stay out of besides the state dir (the data dir under `up`). */
  protectedDirs?: string[];
  log?: WorkerLog;
}

export interface WorkerHandle {
  readonly worker_id: string;
  /** How the worker reaches the server now. */
  readonly mode: "websocket" | "pull";
  /** Tools as last detected. */
  readonly tools: WorkerTool[];
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
    get tools() {
      return agent.health.current();
    },
    drain: () => agent.drain(agent.drainTimeoutMs),
    stop: () => agent.drain(0),
    stopped: agent.stopped,
  };
}

interface Attempt {
  task: AssignedTask;
  seq: number;
  /** Output waiting to go over REST (no WebSocket): sent in batches, best effort. */
  pendingOutput: Array<{ seq: number; stream: OutputStream; chunk: string }>;
  outputTimer: NodeJS.Timeout | null;
  lastProgressAt: number;
  handedBack: boolean;
  /** Resolves once the attempt's report is in the outbox. */
  settled: Promise<void>;
}

const PROGRESS_EVERY_MS = 2_000;
/** Without a WebSocket, output is sent over REST this often, in bodies under the server's limit. */
const OUTPUT_FLUSH_MS = 500;
const OUTPUT_BATCH_BYTES = 256 * 1024;
const FLUSH_DEADLINE_MS = 10_000;

class Agent {
  workerId = "";
  mode: "websocket" | "pull" = "pull";
  readonly health: ToolHealth;
  readonly drainTimeoutMs: number;
  readonly stopped: Promise<void>;

  private readonly log: WorkerLog;
  private readonly stateDir: string;
  private readonly rest: RestClient;
  private readonly executor: Executor;
  private readonly monitor: ResourceMonitor;
  private readonly outbox: Outbox;
  private workdirs: Workdirs | null = null;
  private readonly attempts = new Map<string, Attempt>();
  /** Ends every loop: aborted once the worker has stopped. */
  private readonly stopping = new AbortController();
  /** Ends the current long-poll: aborted when draining starts. */
  private readonly pulling = new AbortController();
  private socket: WorkerSocket | null = null;
  private machineId = "";
  private heartbeatMs = 10_000;
  private toolsChanged = false;
  private draining: Promise<void> | null = null;
  private markStopped: () => void = () => {};
  private loops: Promise<unknown>[] = [];

  constructor(private readonly options: StartWorkerOptions) {
    this.log = options.log ?? silentLog;
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
    this.health = new ToolHealth(registry, unsafeModes);
    // Opened in start(); no task is admitted before then.
    const workdirs: WorkdirStore = {
      create: (taskId, owner) => this.openedWorkdirs().create(taskId, owner),
      release: (taskId) => this.openedWorkdirs().release(taskId),
    };
    this.executor = new Executor({
      tools: registry,
      workdirs,
      slots: options.slots ?? 1,
      allowUnsafeAgentModes: unsafeModes,
    });
    this.monitor = new ResourceMonitor(this.stateDir);
    this.outbox = new Outbox(join(this.stateDir, "outbox"), (report) => this.deliver(report), this.log);
    this.stopped = new Promise((resolve) => {
      this.markStopped = resolve;
    });
    this.executor.on("output", ({ task_id, chunk, stream }) => this.forwardOutput(task_id, chunk, stream));
    this.executor.on("progress", ({ task_id, phase, message, output_bytes }) =>
      this.forwardProgress(task_id, phase === "started", message ?? `${output_bytes} bytes of output`),
    );
  }

  private openedWorkdirs(): Workdirs {
    if (!this.workdirs) throw new Error("the worker has not started");
    return this.workdirs;
  }

  async start(): Promise<void> {
    await secureStateDir(this.stateDir);
    this.workdirs = await Workdirs.open({
      stateDir: this.stateDir,
      baseDir: this.options.workDir,
      retentionSeconds: this.options.workdirRetentionSeconds ?? 0,
      protectedDirs: this.options.protectedDirs,
    });
    this.log.info(`task workdirs under ${this.workdirs.root}`);
    const machineId = await loadMachineId(this.stateDir);
    this.machineId = machineId;
    await this.health.check();
    const tools = this.health.current();
    this.log.info(
      `tools: ${tools.map((tool) => `${tool.name}${tool.version ? ` ${tool.version}` : ""}`).join(", ") || "none found"}`,
    );
    const registered = await this.register({
      machine_id: machineId,
      machine_name: this.options.name ?? hostname(),
      platform: `${osPlatform()}-${process.arch}`,
      tools,
      slots: this.executor.slots,
      labels: this.options.labels ?? [],
      capacity: { cpu_cores: availableParallelism(), memory_gb: Math.round(totalmem() / 2 ** 30) },
      version: WORKER_VERSION,
    });
    this.workerId = registered.worker_id;
    this.heartbeatMs = registered.heartbeat_interval_seconds * 1000;
    this.log.info(`registered as worker ${this.workerId} (${registered.machine_name}) at ${this.rest.baseUrl}`);
    const resent = await this.outbox.resumePending();
    if (resent > 0) this.log.info(`resending ${resent} report(s) left by the previous run`);
    this.loops = [this.connectionLoop(), this.heartbeatLoop(), this.healthLoop()];
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

  // --- connection: WebSocket first, HTTP long-poll between attempts (or always with --pull) -------------

  private async connectionLoop(): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });
    while (!this.stopping.signal.aborted) {
      if (this.options.pull) {
        await this.pullUntil(Number.POSITIVE_INFINITY);
        continue;
      }
      try {
        const { socket, welcome } = await WorkerSocket.open(this.rest.baseUrl, this.workerId, this.options.key, {
          machine_id: this.machineId,
          version: WORKER_VERSION,
          tools: this.health.current(),
          slots: this.executor.slots,
          resources: await this.monitor.sample(),
          running: [...this.attempts.values()].map(({ task }) => ({
            task_id: task.task_id,
            attempt_token: task.attempt_token,
          })),
        });
        backoff.reset();
        await this.session(socket, welcome);
        if (this.stopping.signal.aborted) return;
        this.log.warn("WebSocket connection lost; reconnecting");
      } catch (error) {
        if (this.stopping.signal.aborted) return;
        this.log.warn(`WebSocket unavailable (${(error as Error).message}); pulling over HTTP meanwhile`);
      }
      this.mode = "pull";
      await this.pullUntil(Date.now() + backoff.next());
    }
  }

  /** Runs one WebSocket session until it closes (or the worker stops). */
  private async session(socket: WorkerSocket, welcome: Welcome): Promise<void> {
    this.socket = socket;
    this.mode = "websocket";
    this.heartbeatMs = welcome.heartbeat_interval_seconds * 1000;
    this.log.info("connected over WebSocket");
    socket.receive((message) => this.onServerMessage(socket, message));
    this.outbox.retryNow();
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stopping.signal.removeEventListener("abort", done);
        resolve();
      };
      socket.once("close", done);
      // A stop that came while the socket was opening has already fired its abort event.
      if (this.stopping.signal.aborted) done();
      else this.stopping.signal.addEventListener("abort", done, { once: true });
    });
    if (this.socket === socket) this.socket = null;
    socket.close();
  }

  private onServerMessage(socket: WorkerSocket, message: ServerToWorker): void {
    switch (message.type) {
      case "task.assign":
        this.onAssign(socket, message.data);
        return;
      case "task.cancel":
        this.log.info(`task ${message.data.task_id}: cancelled by the server (${message.data.reason})`);
        void this.executor.cancel(message.data.task_id);
        return;
      case "worker.drain":
        this.log.info("the server drains this worker: no new tasks will come");
        return;
      default:
        return;
    }
  }

  private onAssign(socket: WorkerSocket, task: AssignedTask): void {
    const fence = { task_id: task.task_id, attempt_token: task.attempt_token };
    // The same attempt offered again (after a reconnect): it is running here, so accept it again.
    if (this.attempts.get(task.task_id)?.task.attempt_token !== task.attempt_token) {
      try {
        this.runAttempt(task);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof TaskRejectedError) this.log.warn(`task ${task.task_id}: refused (${reason})`);
        if (error instanceof TaskRejectedError && error.permanent) {
          // No worker would run it as it is: fail it for good rather than offer it around.
          const failure = { ...fence, error: reason.slice(0, 20_000), retryable: false };
          socket.request("task.fail", failure).catch(() => {});
          return;
        }
        // Another worker may take it (one whose owner allows what this one refuses).
        socket.request("task.reject", { ...fence, reason: reason.slice(0, 2000) }).catch(() => {});
        return;
      }
    }
    socket
      .request("task.accept", fence)
      .then((ack) => {
        if (ack.ok) return;
        this.log.warn(`task ${task.task_id}: the server took the offer back (${ack.error ?? "refused"}); stopping it`);
        void this.executor.cancel(task.task_id);
      })
      // No answer (session lost): the task keeps running and the next hello reports it.
      .catch(() => {});
  }

  /** Long-polls for tasks until `deadline` (ms since epoch), the worker drains, or it stops. */
  private async pullUntil(deadline: number): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 15_000 });
    const waitSeconds = this.options.pullWaitSeconds ?? 20;
    while (!this.stopping.signal.aborted && Date.now() < deadline) {
      const remaining = deadline - Date.now();
      if (this.pulling.signal.aborted) {
        await sleep(Math.min(remaining, 60_000), this.stopping.signal);
        continue;
      }
      if (this.executor.freeSlots === 0) {
        await this.slotFreed(Math.min(remaining, 60_000));
        continue;
      }
      try {
        const wait = Math.max(1, Math.min(waitSeconds, Math.floor(remaining / 1000)));
        const task = await this.rest.pullTask(this.workerId, wait, this.pulling.signal);
        backoff.reset();
        if (task) void this.runPulled(task);
      } catch (error) {
        if (this.pulling.signal.aborted || this.stopping.signal.aborted) continue;
        this.log.warn(`pulling a task failed (${(error as Error).message})`);
        await sleep(Math.min(backoff.next(), remaining), this.stopping.signal);
      }
    }
  }

  private slotFreed(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.executor.off("complete", done);
        this.executor.off("fail", done);
        this.stopping.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.executor.once("complete", done);
      this.executor.once("fail", done);
      this.stopping.signal.addEventListener("abort", done, { once: true });
    });
  }

  private async runPulled(claimed: ClaimedTask): Promise<void> {
    const task: AssignedTask = {
      task_id: claimed.task_id,
      attempt: claimed.attempt,
      attempt_token: claimed.attempt_token,
      lease_expires_at: claimed.lease_expires_at,
      tool: claimed.tool,
      model: claimed.model,
      prompt: claimed.prompt,
      options: claimed.options,
      timeout_seconds: claimed.timeout_seconds,
      owner_user_id: claimed.owner_user_id,
    };
    try {
      await this.rest.startTask(task.task_id, task.attempt_token);
    } catch (error) {
      if (error instanceof ApiError && error.fenced) return;
      // Not fatal: a report is accepted from an assigned attempt too, and heartbeats keep the lease.
      this.log.warn(`task ${task.task_id}: could not report its start (${(error as Error).message})`);
    }
    try {
      this.runAttempt(task);
    } catch (error) {
      // Claimed but not runnable here: raced for the last slot or the tool just failed (give it back), or
      // refused as it is (a model name or options this worker's owner does not allow: it fails, and says why).
      const refused = error instanceof TaskRejectedError && (error.permanent || error.refusedByPolicy);
      if (refused) this.log.warn(`task ${task.task_id}: refused (${(error as Error).message})`);
      await this.outbox.add({
        kind: "fail",
        task_id: task.task_id,
        attempt_token: task.attempt_token,
        error: `the worker could not start the task: ${(error as Error).message}`.slice(0, 20_000),
        retryable: !refused,
      });
    }
  }

  // --- running attempts ----------------------------------------------------------------------------------

  /** Starts the attempt; throws (nothing started) when this worker cannot take it. */
  private runAttempt(task: AssignedTask): void {
    if (!this.health.isHealthy(task.tool)) {
      throw new TaskRejectedError("tool_unavailable", `tool ${task.tool} is not healthy on this worker`);
    }
    const done = this.executor.start({
      task_id: task.task_id,
      tool: task.tool,
      prompt: task.prompt,
      model: task.model,
      options: task.options,
      timeout_seconds: task.timeout_seconds,
      owner_user_id: task.owner_user_id,
    });
    const attempt: Attempt = {
      task,
      seq: 0,
      pendingOutput: [],
      outputTimer: null,
      lastProgressAt: 0,
      handedBack: false,
      settled: Promise.resolve(),
    };
    attempt.settled = done.then((outcome) => this.finish(attempt, outcome));
    this.attempts.set(task.task_id, attempt);
    this.log.info(`task ${task.task_id}: running ${task.tool} (attempt ${task.attempt})`);
  }

  private async finish(attempt: Attempt, outcome: TaskOutcome): Promise<void> {
    // The last output goes out before the result, so a follower sees the whole log.
    await this.flushOutput(attempt);
    const report = reportOf(outcome, {
      attempt_token: attempt.task.attempt_token,
      handedBack: attempt.handedBack,
    });
    this.log.info(
      `task ${outcome.task_id}: ${attempt.handedBack ? "handed back" : outcome.status}` +
        (outcome.status === "completed" ? "" : ` (${outcome.error.message})`),
    );
    try {
      await this.outbox.add(report);
    } catch (error) {
      this.log.error(`task ${outcome.task_id}: could not store its report: ${(error as Error).message}`);
    } finally {
      if (this.attempts.get(outcome.task_id) === attempt) this.attempts.delete(outcome.task_id);
    }
  }

  private forwardOutput(taskId: string, chunk: string, stream: OutputStream): void {
    const attempt = this.attempts.get(taskId);
    if (!attempt) return;
    const socket = this.socket;
    if (!socket?.isOpen) {
      for (const piece of splitChunk(chunk)) attempt.pendingOutput.push({ seq: attempt.seq++, stream, chunk: piece });
      attempt.outputTimer ??= setTimeout(() => void this.flushOutput(attempt), OUTPUT_FLUSH_MS);
      return;
    }
    for (const piece of splitChunk(chunk)) {
      socket.send("task.output", {
        task_id: taskId,
        attempt_token: attempt.task.attempt_token,
        seq: attempt.seq++,
        stream,
        chunk: piece,
      });
    }
  }

  /** Sends buffered output over REST in batches that fit a request body; a fenced answer stops the task. */
  private async flushOutput(attempt: Attempt): Promise<void> {
    if (attempt.outputTimer) clearTimeout(attempt.outputTimer);
    attempt.outputTimer = null;
    while (attempt.pendingOutput.length > 0) {
      const batch: Attempt["pendingOutput"] = [];
      let bytes = 0;
      while (attempt.pendingOutput.length > 0 && batch.length < 256) {
        const next = attempt.pendingOutput[0];
        if (!next || (batch.length > 0 && bytes + next.chunk.length > OUTPUT_BATCH_BYTES)) break;
        bytes += next.chunk.length;
        batch.push(next);
        attempt.pendingOutput.shift();
      }
      try {
        await this.rest.reportOutput(attempt.task.task_id, {
          attempt_token: attempt.task.attempt_token,
          chunks: batch,
        });
      } catch (error) {
        if (error instanceof ApiError && error.fenced) {
          attempt.pendingOutput.length = 0;
          void this.executor.cancel(attempt.task.task_id);
        }
        // Otherwise best effort: the final result carries the whole output anyway.
        return;
      }
    }
  }

  /** Progress at most every couple of seconds per task: it renews the lease and shows the task is alive. */
  private forwardProgress(taskId: string, force: boolean, message: string): void {
    const attempt = this.attempts.get(taskId);
    if (!attempt) return;
    const now = Date.now();
    if (!force && now - attempt.lastProgressAt < PROGRESS_EVERY_MS) return;
    attempt.lastProgressAt = now;
    // Tools do not say how far along they are; 0 with a message is honest, and the server shows activity.
    const report = {
      task_id: taskId,
      attempt_token: attempt.task.attempt_token,
      progress: 0,
      message: message.slice(0, 2000),
    };
    const socket = this.socket;
    if (socket?.isOpen) {
      socket.send("task.progress", report);
      return;
    }
    this.rest
      .reportProgress(taskId, { attempt_token: report.attempt_token, progress: 0, message: report.message })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.fenced) {
          this.log.info(`task ${taskId}: the server no longer holds this attempt; stopping it`);
          void this.executor.cancel(taskId);
        }
      });
  }

  /** Sends one report: over the socket when connected, else (or when the socket cannot say) over REST. */
  private async deliver(report: Report): Promise<DeliveryOutcome> {
    const socket = this.socket;
    if (socket?.isOpen) {
      try {
        const ack =
          report.kind === "complete"
            ? await socket.request("task.complete", {
                task_id: report.task_id,
                attempt_token: report.attempt_token,
                result: report.result,
              })
            : await socket.request("task.fail", {
                task_id: report.task_id,
                attempt_token: report.attempt_token,
                error: report.error,
                retryable: report.retryable,
                ...(report.result ? { result: report.result } : {}),
              });
        if (ack.ok) return "delivered";
        if (ack.error === "stale") return "fenced";
      } catch {
        // The session ended before the ack: REST settles it, and a duplicate is refused by the fence.
      }
    }
    try {
      if (report.kind === "complete") {
        await this.rest.completeTask(report.task_id, { attempt_token: report.attempt_token, result: report.result });
      } else {
        await this.rest.failTask(report.task_id, {
          attempt_token: report.attempt_token,
          error: report.error,
          retryable: report.retryable,
        });
      }
      return "delivered";
    } catch (error) {
      if (error instanceof ApiError && error.fenced) return "fenced";
      if (error instanceof ApiError && error.status === 400) {
        // The server will never take this body; say so as a failure rather than retry forever.
        this.log.error(`task ${report.task_id}: the server refused the ${report.kind} report: ${error.detail}`);
        if (report.kind === "complete") {
          await this.rest.failTask(report.task_id, {
            attempt_token: report.attempt_token,
            error: `the worker's result was refused by the server: ${error.detail}`.slice(0, 20_000),
            retryable: false,
          });
        }
        return "delivered";
      }
      throw error;
    }
  }

  // --- heartbeats and tool health ------------------------------------------------------------------------

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await sleep(this.heartbeatMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        await this.beat();
      } catch (error) {
        if (error instanceof UnreachableError || error instanceof ApiError) {
          this.log.warn(`heartbeat failed (${error.message})`);
        } else {
          this.log.warn(`heartbeat failed (${(error as Error).message})`);
        }
      }
    }
  }

  private async beat(): Promise<void> {
    const sample = await this.monitor.sample();
    const running = this.executor.runningTasks().map((task) => task.task_id);
    const tools = this.toolsChanged ? this.health.current() : undefined;
    const socket = this.socket;
    if (socket?.isOpen) {
      const ack = await socket.request("heartbeat", {
        ...sample,
        running_task_ids: running,
        ...(tools ? { tools } : {}),
      });
      if (ack.ok && tools) this.toolsChanged = false;
      return;
    }
    const answer = await this.rest.heartbeat(this.workerId, {
      ...sample,
      running_task_ids: running,
      ...(tools ? { tools } : {}),
    });
    if (tools) this.toolsChanged = false;
    this.heartbeatMs = answer.heartbeat_interval_seconds * 1000;
    for (const taskId of answer.cancel_task_ids) {
      this.log.info(`task ${taskId}: the server says stop (cancelled or no longer ours)`);
      void this.executor.cancel(taskId);
    }
  }

  private async healthLoop(): Promise<void> {
    const everyMs = (this.options.healthCheckIntervalSeconds ?? 60) * 1000;
    while (!this.stopping.signal.aborted) {
      await sleep(everyMs, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      try {
        if (await this.health.check()) {
          this.toolsChanged = true;
          const summary = this.health
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
    this.pulling.abort();
    const running = this.attempts.size;
    if (running > 0) this.log.info(`draining: waiting up to ${deadlineMs / 1000} s for ${running} running task(s)`);
    const report = await this.executor.drain({ deadlineMs });
    for (const taskId of report.still_running) {
      const attempt = this.attempts.get(taskId);
      if (attempt) attempt.handedBack = true;
    }
    await Promise.all(report.still_running.map((taskId) => this.executor.cancel(taskId)));
    await Promise.all([...this.attempts.values()].map((attempt) => attempt.settled));
    if (!(await this.outbox.flush(FLUSH_DEADLINE_MS))) {
      this.log.warn(`${this.outbox.size} report(s) not delivered yet; they are kept and sent on the next start`);
    }
    this.stopping.abort();
    this.workdirs?.close();
    this.outbox.stop();
    this.socket?.close();
    await Promise.all(this.loops);
    this.log.info("worker stopped");
    this.markStopped();
  }
}
