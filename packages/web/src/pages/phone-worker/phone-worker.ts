// The browser as a worker: registers with a worker key, heartbeats (with the battery), and takes tasks one
// at a time through the worker HTTP API (long-poll pull, start, output, complete/fail), running them with
// the same API tools as a Node worker (@garageswarm/worker/browser), so results, usage and cost match.
//
// States (`phase`):
//   starting → working          registered; pulls while no pause reason holds
//   working  ⇄ paused           a pause reason (hidden, low battery, metered) holds: the pull in flight is
//                               abandoned and no new one starts; a task already running finishes (a drain)
//   working|paused → stopping   stop(): the running task is cancelled and handed back, heartbeats end
//   stopping → stopped          the loop has ended; the page then deletes the worker and revokes its key
// Invariants: at most one task at a time (one slot); no pull is in flight while paused; every attempt
// this phone starts ends with exactly one complete or fail report (unless the server fenced it off).
import type { AssignedTask, Heartbeat, WorkerRegister, WorkerTool } from "@garageswarm/protocol";
import {
  ApiError,
  failureOutcome,
  type Report,
  RestClient,
  reportOf,
  splitChunk,
  type TaskOutcome,
  type Tool,
} from "@garageswarm/worker/browser";
import { createStore, type Store } from "../../api/store.ts";
import { type DeviceState, type PauseReason, pauseReasons } from "./pause.ts";

export type PhoneWorkerPhase = "starting" | "working" | "paused" | "stopping" | "stopped";

export interface PhoneTaskView {
  task_id: string;
  tool: string;
  status: "running" | "completed" | "failed" | "cancelled" | "timed_out";
  output: string;
  /** The report's cost and tokens, once it ended. */
  usage?: { input_tokens: number; output_tokens: number; cost_usd: number };
  error?: string;
}

export interface PhoneWorkerStatus {
  phase: PhoneWorkerPhase;
  pauseReasons: PauseReason[];
  workerId: string | null;
  /** The task running now, or the last one that ran. */
  task: PhoneTaskView | null;
  completed: number;
  /** The last trouble talking to the server, until the next call works. */
  problem: string | null;
}

export interface PhoneWorkerOptions {
  baseUrl: string;
  key: string;
  machine: Pick<WorkerRegister, "machine_id" | "machine_name" | "platform" | "version">;
  /** The tools configured on this phone, already detected. */
  tools: { tool: Tool; detected: WorkerTool }[];
  device: Store<DeviceState>;
  pauseWhenMetered: boolean;
  /** How long one pull waits for a task, in seconds (the server allows up to 30). */
  pullWaitSeconds?: number;
}

const outputFlushMs = 500;

export class PhoneWorker {
  readonly status: Store<PhoneWorkerStatus>;
  private readonly client: RestClient;
  private readonly tools: Map<string, Tool>;
  private readonly stopping = new AbortController();
  private pull: AbortController | null = null;
  private running: { task_id: string; abort: AbortController } | null = null;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeLoop: (() => void) | null = null;
  private loopDone: Promise<void> = Promise.resolve();
  private unwatch: () => void = () => {};

  constructor(private readonly options: PhoneWorkerOptions) {
    this.client = new RestClient(options.baseUrl, options.key);
    this.tools = new Map(options.tools.map(({ tool }) => [tool.id, tool]));
    this.status = createStore<PhoneWorkerStatus>({
      phase: "starting",
      pauseReasons: [],
      workerId: null,
      task: null,
      completed: 0,
      problem: null,
    });
  }

  /** Registers (the same machine id re-registers the same worker) and starts taking tasks. */
  async start(): Promise<string> {
    const { machine, tools } = this.options;
    const registered = await this.client.register({
      ...machine,
      tools: tools.map(({ detected }) => detected),
      slots: 1,
      labels: ["phone"],
      capacity: {},
    });
    this.update({ workerId: registered.worker_id });
    this.unwatch = this.options.device.subscribe(() => this.onDeviceChange());
    this.onDeviceChange();
    this.scheduleHeartbeat(0, registered.heartbeat_interval_seconds);
    this.loopDone = this.loop(registered.worker_id);
    return registered.worker_id;
  }

  /** Stops pulling, cancels the running task (reported as handed back) and waits for the loop to end. */
  async stop(): Promise<void> {
    this.update({ phase: "stopping" });
    this.stopping.abort();
    this.pull?.abort();
    this.running?.abort.abort("handed_back");
    this.wakeLoop?.();
    this.unwatch();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    await this.loopDone;
    this.update({ phase: "stopped" });
  }

  private get reasons(): PauseReason[] {
    return pauseReasons(this.options.device.get(), { pauseWhenMetered: this.options.pauseWhenMetered });
  }

  private onDeviceChange(): void {
    const reasons = this.reasons;
    const phase = this.status.get().phase;
    if (phase === "stopping" || phase === "stopped") return;
    this.update({ pauseReasons: reasons, phase: reasons.length ? "paused" : "working" });
    // Paused: a pull in flight is abandoned; the server stops its wait when the request goes away.
    if (reasons.length) this.pull?.abort();
    else this.wakeLoop?.();
  }

  private async loop(workerId: string): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      if (this.reasons.length) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
        });
        continue;
      }
      this.pull = new AbortController();
      let task: AssignedTask | null;
      try {
        task = await this.client.pullTask(workerId, this.options.pullWaitSeconds ?? 20, this.pull.signal);
        failures = 0;
        this.update({ problem: null });
      } catch (error) {
        if (this.pull.signal.aborted) continue;
        failures += 1;
        this.update({ problem: describe(error) });
        await this.pause(Math.min(30_000, 1_000 * 2 ** Math.min(failures, 5)));
        continue;
      } finally {
        this.pull = null;
      }
      // A task claimed as the page was hidden is ours now: it runs (draining finishes what it holds).
      if (task) await this.run(task);
    }
  }

  private async run(task: AssignedTask): Promise<void> {
    const fence = { task_id: task.task_id, attempt_token: task.attempt_token };
    const tool = this.tools.get(task.tool);
    const abort = new AbortController();
    this.running = { task_id: task.task_id, abort };
    const view: PhoneTaskView = { task_id: task.task_id, tool: task.tool, status: "running", output: "" };
    this.update({ task: view });
    const output = new OutputBatcher(this.client, fence);
    const timeout = setTimeout(
      () => abort.abort(new DOMException("The task timed out", "TimeoutError")),
      task.timeout_seconds * 1000,
    );
    let outcome: TaskOutcome;
    try {
      await this.client.startTask(task.task_id, task.attempt_token);
      if (!tool) throw new Error(`this phone has no ${task.tool} tool`);
      const result = await tool.run(
        {
          task_id: task.task_id,
          prompt: task.prompt,
          model: task.model,
          options: task.options,
          ...(task.resume_session_id ? { resume_session_id: task.resume_session_id } : {}),
        },
        {
          signal: abort.signal,
          workdir: "",
          onOutput: (chunk, stream = "stdout") => {
            view.output += stream === "stdout" ? chunk : "";
            this.update({ task: { ...view } });
            output.add(chunk, stream);
          },
        },
      );
      outcome = { task_id: task.task_id, status: "completed", result };
    } catch (error) {
      if (error instanceof ApiError && error.fenced) {
        // The server gave the attempt to nobody or to someone else: nothing of ours to report.
        abort.abort();
        this.finish(view, "failed", `the server ended this attempt: ${error.detail}`);
        return;
      }
      outcome = failureOutcome(task.task_id, error, abort.signal);
    } finally {
      clearTimeout(timeout);
      this.running = null;
    }
    await output.flush();
    const handedBack = abort.signal.reason === "handed_back";
    const report = reportOf(outcome, { attempt_token: task.attempt_token, handedBack });
    await this.deliver(report);
    if (outcome.status === "completed") {
      this.finish(view, "completed", undefined, outcome.result.usage);
      this.update({ completed: this.status.get().completed + 1 });
    } else {
      this.finish(view, outcome.status, outcome.error.message);
    }
  }

  /** Sends the report, retrying a server that cannot be reached; a fenced or refused one ends. */
  private async deliver(report: Report): Promise<void> {
    for (let attempt = 0; attempt < 6; attempt += 1) {
      try {
        if (report.kind === "complete") {
          await this.client.completeTask(report.task_id, {
            attempt_token: report.attempt_token,
            result: report.result,
          });
        } else {
          const { kind: _kind, task_id, result: _result, ...body } = report;
          await this.client.failTask(task_id, body);
        }
        this.update({ problem: null });
        return;
      } catch (error) {
        if (error instanceof ApiError && error.status < 500) {
          this.update({ problem: `the server did not take the report: ${error.detail}` });
          return;
        }
        this.update({ problem: describe(error) });
        await this.pause(1_000 * 2 ** attempt, false);
      }
    }
  }

  private scheduleHeartbeat(delayMs: number, intervalSeconds: number): void {
    this.heartbeatTimer = setTimeout(async () => {
      const workerId = this.status.get().workerId;
      if (this.stopping.signal.aborted || !workerId) return;
      let next = intervalSeconds;
      try {
        const answer = await this.client.heartbeat(workerId, this.heartbeatBody());
        next = answer.heartbeat_interval_seconds;
        if (this.running && answer.cancel_task_ids.includes(this.running.task_id)) {
          this.running.abort.abort("cancelled");
        }
      } catch (error) {
        this.update({ problem: describe(error) });
      }
      if (!this.stopping.signal.aborted) this.scheduleHeartbeat(next * 1000, next);
    }, delayMs);
  }

  private heartbeatBody(): Heartbeat {
    // A browser cannot measure CPU, memory or disk: the heartbeat says nothing of them rather than guess.
    const battery = this.options.device.get().battery;
    return { running_task_ids: this.running ? [this.running.task_id] : [], ...(battery ? { battery } : {}) };
  }

  private finish(view: PhoneTaskView, status: PhoneTaskView["status"], error?: string, usage?: PhoneTaskView["usage"]) {
    this.update({ task: { ...view, status, ...(error ? { error } : {}), ...(usage ? { usage } : {}) } });
  }

  /** Waits, or less when stop() is called (or, with `wakeOnStop` false, the full time: a report must go). */
  private pause(ms: number, wakeOnStop = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      if (wakeOnStop) {
        this.stopping.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      }
    });
  }

  private update(change: Partial<PhoneWorkerStatus>): void {
    this.status.set({ ...this.status.get(), ...change });
  }
}

/** Live output to the server in batches, in order, as a Node worker in pull mode sends it. */
class OutputBatcher {
  private seq = 0;
  private pending: { seq: number; stream: "stdout" | "stderr" | "event"; chunk: string }[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: RestClient,
    private readonly fence: { task_id: string; attempt_token: string },
  ) {}

  add(chunk: string, stream: "stdout" | "stderr" | "event"): void {
    for (const piece of splitChunk(chunk)) this.pending.push({ seq: this.seq++, stream, chunk: piece });
    this.timer ??= setTimeout(() => void this.flush(), outputFlushMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const chunks = this.pending.splice(0, this.pending.length);
    this.sending = this.sending.then(async () => {
      for (let start = 0; start < chunks.length; start += 256) {
        const batch = chunks.slice(start, start + 256);
        // Live output is a view: a lost batch leaves a gap there, never in the result, which carries it all.
        await this.client
          .reportOutput(this.fence.task_id, { attempt_token: this.fence.attempt_token, chunks: batch })
          .catch(() => {});
      }
    });
    return this.sending;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
