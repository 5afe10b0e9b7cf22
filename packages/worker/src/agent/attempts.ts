// The attempts this worker runs, one per task: admitted, their output and progress forwarded over the
// current link, and each end turned into exactly one report in the outbox.
//   run(task)    → admitted: the tool healthy and not limited here (catalog), then a free slot, the tool
//                  below its cap and the owner's policy (executor) — or TaskRejectedError, nothing started
//   running      → output queued in order (seq): sent at once over a live session, else in batches every
//                  500 ms; progress at most every 2 s (it renews the lease). A fenced answer stops the run.
//   finish       → the last output flushed, a limit the run hit marks its tool limited, the report stored
//   handed back  → the drain deadline passed: the run is cancelled and reported retryable
//   abandoned    → the server no longer holds the attempt (cancelled, its lease ran out while this machine
//                  slept, given to a newer attempt): the run is stopped and NOT reported — it is not ours
// Invariants: the report of an attempt still ours is in the outbox before the attempt is forgotten; output
// and progress are best effort (the result carries the whole output anyway).
import type { AssignedTask } from "@garageswarm/protocol";
import { type Executor, type TaskOutcome, TaskRejectedError } from "../executor/executor.ts";
import type { OutputStream } from "../tools/tool.ts";
import type { Activity } from "./activity.ts";
import { sleep } from "./backoff.ts";
import { systemClock, type WorkerClock } from "./clock.ts";
import { type AttemptFence, AttemptFencedError, type OutputChunk, type ServerLink } from "./link.ts";
import type { WorkerLog } from "./log.ts";
import type { Outbox } from "./outbox.ts";
import { reportOf, splitChunk } from "./reports.ts";
import type { ToolCatalog } from "./tool-catalog.ts";

const PROGRESS_EVERY_MS = 2_000;
/** Without a live session, output goes out this often, in bodies under the server's limit. */
const OUTPUT_FLUSH_MS = 500;
const OUTPUT_BATCH_BYTES = 256 * 1024;
const OUTPUT_BATCH_CHUNKS = 256;
/** The REST fail body takes at most this much error text. */
const MAX_ERROR_CHARS = 20_000;

interface Attempt {
  task: AssignedTask;
  seq: number;
  pendingOutput: OutputChunk[];
  outputTimer: NodeJS.Timeout | null;
  /** The flush under way: flushes run one after another, so batches leave in order. */
  flushing: Promise<void>;
  lastProgressAt: number;
  handedBack: boolean;
  /** The server no longer holds it: stopped without a report. */
  abandoned: boolean;
  /** Resolves once the attempt's report is in the outbox (or, abandoned, once its run ended). */
  settled: Promise<void>;
}

export interface AttemptsOptions {
  executor: Executor;
  catalog: ToolCatalog;
  outbox: Outbox;
  /** The way to the server now: connection.ts swaps it as sessions open and close. */
  link(): ServerLink;
  log: WorkerLog;
  /** What the owner sees on this machine (the control panel): running attempts and recent results. */
  activity?: Activity;
  /** False while the owner paused the worker: an offer that slips in before the session closes is refused. */
  takingWork?(): boolean;
  /** A run hit a limit and its tool is marked: the server should hear of it soon. */
  onToolLimited(): void;
  clock?: WorkerClock;
}

export class Attempts {
  private readonly byTask = new Map<string, Attempt>();
  private readonly clock: WorkerClock;

  constructor(private readonly options: AttemptsOptions) {
    const { executor } = options;
    this.clock = options.clock ?? systemClock;
    executor.on("output", ({ task_id, chunk, stream }) => {
      options.activity?.output(task_id, chunk, stream);
      this.forwardOutput(task_id, chunk, stream);
    });
    executor.on("progress", ({ task_id, phase, message, output_bytes }) =>
      this.forwardProgress(task_id, phase === "started", message ?? `${output_bytes} bytes of output`),
    );
  }

  get size(): number {
    return this.byTask.size;
  }

  /** The attempts running here: a hello after a reconnect names them, so the server keeps or cancels them. */
  held(): AttemptFence[] {
    return [...this.byTask.values()].map(({ task }) => ({ task_id: task.task_id, attempt_token: task.attempt_token }));
  }

  /** Whether this very attempt runs here (an offer made again after a reconnect). */
  holds(fence: AttemptFence): boolean {
    return this.byTask.get(fence.task_id)?.task.attempt_token === fence.attempt_token;
  }

  /** Starts the attempt; throws TaskRejectedError (nothing started) when this worker cannot take it now. */
  run(task: AssignedTask): void {
    const { catalog, executor, log } = this.options;
    if (this.options.takingWork?.() === false)
      throw new TaskRejectedError("draining", "the worker takes no new tasks now");
    if (!catalog.isHealthy(task.tool)) {
      throw new TaskRejectedError("tool_unavailable", `tool ${task.tool} is not healthy on this worker`);
    }
    const limit = catalog.limitOf(task.tool);
    if (limit) {
      const message = `tool ${task.tool} is limited on this worker until ${limit.resets_at}: ${limit.message}`;
      throw new TaskRejectedError("tool_limited", message, limit);
    }
    const done = executor.start({
      task_id: task.task_id,
      tool: task.tool,
      prompt: task.prompt,
      model: task.model,
      options: task.options,
      timeout_seconds: task.timeout_seconds,
      owner_user_id: task.owner_user_id,
      attempt: task.attempt,
      attempt_token: task.attempt_token,
      repo: task.repo ?? null,
      workspace: task.workspace ?? null,
      ...(task.resume_session_id ? { resume_session_id: task.resume_session_id } : {}),
      ...(task.resume_session_id && task.resume_turn ? { resume_turn: task.resume_turn } : {}),
    });
    const attempt: Attempt = {
      task,
      seq: 0,
      pendingOutput: [],
      outputTimer: null,
      flushing: Promise.resolve(),
      lastProgressAt: Number.NEGATIVE_INFINITY,
      handedBack: false,
      abandoned: false,
      settled: Promise.resolve(),
    };
    attempt.settled = done.then((outcome) => this.finish(attempt, outcome));
    this.byTask.set(task.task_id, attempt);
    this.options.activity?.started(task);
    log.info(`task ${task.task_id}: running ${task.tool} (attempt ${task.attempt})${resumeNote(task)}`);
  }

  /**
   * A pulled task is claimed already: when it cannot run here it is failed, saying why. Raced for the last
   * slot, or the tool just failed or is limited: handed back (retryable; a limit says until when). Refused
   * as it is (a model name or options this worker's owner does not allow): failed for good.
   */
  async refuse(task: AssignedTask, error: unknown): Promise<void> {
    const refused = error instanceof TaskRejectedError && (error.permanent || error.refusedByPolicy);
    if (refused) this.options.log.warn(`task ${task.task_id}: refused (${(error as Error).message})`);
    const limit = error instanceof TaskRejectedError ? error.limit : undefined;
    await this.options.outbox.add({
      kind: "fail",
      task_id: task.task_id,
      attempt_token: task.attempt_token,
      error: `the worker could not start the task: ${(error as Error).message}`.slice(0, MAX_ERROR_CHARS),
      retryable: !refused,
      ...(limit ? { limit } : {}),
    });
  }

  /** Whether a task could start now: a free slot, and a usable tool below its cap. */
  canTakeMore(): boolean {
    const { executor, catalog } = this.options;
    if (executor.freeSlots === 0 || executor.draining) return false;
    return catalog.usable().some((tool) => executor.roomFor(tool) > 0);
  }

  /** Resolves when room may have opened (an attempt ended, a limit ran out), after `timeoutMs`, or on abort. */
  roomMayOpen(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const { executor, catalog } = this.options;
    const limitEnd = catalog.nextLimitEnd();
    const wait = limitEnd === null ? timeoutMs : Math.min(timeoutMs, Math.max(0, limitEnd - Date.now()));
    const ended = new AbortController();
    const onEnd = () => ended.abort();
    executor.once("complete", onEnd);
    executor.once("fail", onEnd);
    return sleep(wait, AbortSignal.any([ended.signal, signal])).finally(() => {
      executor.off("complete", onEnd);
      executor.off("fail", onEnd);
    });
  }

  /** Marks the attempts of these tasks handed back: their runs are about to be cancelled by the drain. */
  handBack(taskIds: readonly string[]): void {
    for (const taskId of taskIds) {
      const attempt = this.byTask.get(taskId);
      if (attempt) attempt.handedBack = true;
    }
  }

  /**
   * The server no longer holds this task's attempt (it said stop, or fenced a message): stops the run and
   * forgets it without a report, which the server would refuse anyway. Resolves once the run has ended.
   */
  async abandon(taskId: string, why: string): Promise<void> {
    const attempt = this.byTask.get(taskId);
    if (!attempt) return;
    if (!attempt.abandoned) {
      attempt.abandoned = true;
      this.options.log.info(`task ${taskId}: stopping attempt ${attempt.task.attempt} (${why}); it is not reported`);
      void this.options.executor.cancel(taskId);
    }
    await attempt.settled;
  }

  /**
   * An offer of a task that runs here under another attempt: the server made a new attempt only because the
   * old one's lease ended (this machine slept, or was cut off), so the old one is stopped before the new starts.
   */
  async supersede(task: AssignedTask): Promise<void> {
    const held = this.byTask.get(task.task_id);
    if (!held || held.task.attempt_token === task.attempt_token) return;
    await this.abandon(task.task_id, `attempt ${task.attempt} replaces it`);
  }

  /** Resolves once every attempt running now has its report in the outbox. */
  async settled(): Promise<void> {
    await Promise.all([...this.byTask.values()].map((attempt) => attempt.settled));
  }

  private async finish(attempt: Attempt, outcome: TaskOutcome): Promise<void> {
    const { catalog, log, outbox } = this.options;
    // The last output goes out before the result, so a follower sees the whole log.
    await this.flushOutput(attempt);
    if (attempt.abandoned) {
      log.info(
        `task ${outcome.task_id}: ${outcome.status} (attempt ${attempt.task.attempt}, no longer ours: not reported)`,
      );
      if (this.byTask.get(outcome.task_id) === attempt) this.byTask.delete(outcome.task_id);
      // Nothing will be reported: a code task's worktree may go (its branch stays in the clone).
      await this.options.executor.reported(outcome.task_id);
      return;
    }
    const report = reportOf(outcome, { attempt_token: attempt.task.attempt_token, handedBack: attempt.handedBack });
    this.options.activity?.ended(outcome, attempt.handedBack);
    log.info(
      `task ${outcome.task_id}: ${attempt.handedBack ? "handed back" : outcome.status}` +
        (outcome.status === "completed" ? "" : ` (${outcome.error.message})`),
    );
    if (outcome.status !== "completed" && outcome.error.limit && !attempt.handedBack) {
      const until = catalog.markLimited(attempt.task.tool, outcome.error.limit);
      log.warn(`${attempt.task.tool} is limited until ${until.toISOString()}: it takes no task before then`);
      this.options.onToolLimited();
    }
    try {
      await outbox.add(report);
    } catch (error) {
      log.error(`task ${outcome.task_id}: could not store its report: ${(error as Error).message}`);
    } finally {
      if (this.byTask.get(outcome.task_id) === attempt) this.byTask.delete(outcome.task_id);
      // Only now may a code task's worktree go: the report carrying its patch is on disk.
      await this.options.executor.reported(outcome.task_id);
    }
  }

  private forwardOutput(taskId: string, chunk: string, stream: OutputStream): void {
    const attempt = this.byTask.get(taskId);
    if (!attempt) return;
    for (const piece of splitChunk(chunk)) attempt.pendingOutput.push({ seq: attempt.seq++, stream, chunk: piece });
    if (this.options.link().live) void this.flushOutput(attempt);
    else attempt.outputTimer ??= setTimeout(() => void this.flushOutput(attempt), OUTPUT_FLUSH_MS);
  }

  /** Sends what is queued, in batches that fit a request body; queued behind the flush under way. */
  private flushOutput(attempt: Attempt): Promise<void> {
    if (attempt.outputTimer) clearTimeout(attempt.outputTimer);
    attempt.outputTimer = null;
    attempt.flushing = attempt.flushing.then(() => this.sendPending(attempt));
    return attempt.flushing;
  }

  private async sendPending(attempt: Attempt): Promise<void> {
    const fence = { task_id: attempt.task.task_id, attempt_token: attempt.task.attempt_token };
    while (attempt.pendingOutput.length > 0) {
      const batch = takeBatch(attempt.pendingOutput);
      try {
        await this.options.link().sendOutput(fence, batch);
      } catch (error) {
        if (error instanceof AttemptFencedError) {
          attempt.pendingOutput.length = 0;
          void this.abandon(fence.task_id, "the server no longer holds this attempt");
        }
        // Otherwise best effort: the final result carries the whole output anyway.
        return;
      }
    }
  }

  /** Progress at most every couple of seconds per task: it renews the lease and shows the task is alive. */
  private forwardProgress(taskId: string, force: boolean, message: string): void {
    const attempt = this.byTask.get(taskId);
    if (!attempt) return;
    const now = this.clock.monotonicMs();
    if (!force && now - attempt.lastProgressAt < PROGRESS_EVERY_MS) return;
    attempt.lastProgressAt = now;
    const fence = { task_id: taskId, attempt_token: attempt.task.attempt_token };
    // Tools do not say how far along they are; 0 with a message is honest, and the server shows activity.
    this.options
      .link()
      .sendProgress(fence, 0, message.slice(0, 2000))
      .catch((error: unknown) => {
        if (!(error instanceof AttemptFencedError)) return;
        void this.abandon(taskId, "the server no longer holds this attempt");
      });
  }
}

/** Takes the next batch off the queue: at most 256 chunks, and past the first, within the byte budget. */
function takeBatch(pending: OutputChunk[]): OutputChunk[] {
  const batch: OutputChunk[] = [];
  let bytes = 0;
  while (pending.length > 0 && batch.length < OUTPUT_BATCH_CHUNKS) {
    const next = pending[0];
    if (!next || (batch.length > 0 && bytes + next.chunk.length > OUTPUT_BATCH_BYTES)) break;
    bytes += next.chunk.length;
    batch.push(next);
    pending.shift();
  }
  return batch;
}

function resumeNote(task: AssignedTask): string {
  return task.resume_session_id ? `, resuming session ${task.resume_session_id}` : "";
}
