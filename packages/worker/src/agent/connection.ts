// The worker's way to the server, kept up: a WebSocket session when one can be had, HTTP in between (or
// always, with --pull). It owns the link the rest of the worker sends through (link.ts) and swaps it:
//   opening  → WorkerSocket.open: hello (tools, slots, the attempts still held) → welcome
//   session  → SocketLink until the socket closes: task.assign offers run or are refused (task.accept, or
//              task.reject; task.fail when no worker could run the task as it is), task.cancel stops a run
//   pulling  → RestLink: HTTP long-poll while a slot and a usable tool below its cap are free, until the
//              next reconnect attempt (jittered exponential backoff); with --pull, for good
// Once the worker stops taking work (draining) the long-poll in flight is cut and no other starts; offers
// are refused by the executor, which drains too. After a wake (wake-watch.ts) reconnectNow() drops the
// session or long-poll, which likely died while the machine slept, and opens one new session at once.
// Deadlines are on the monotonic clock: a wake does not make them all due together. While the owner pauses
// it (the control panel), it holds no session and pulls nothing, so the server offers it nothing; heartbeats
// go on over HTTP, and a session opens again once it takes work.
import type { AssignedTask, ServerToWorker, WorkerToServer } from "@garageswarm/protocol";
import { type Executor, TaskRejectedError } from "../executor/executor.ts";
import type { Attempts } from "./attempts.ts";
import { Backoff, sleep } from "./backoff.ts";
import { systemClock, type WorkerClock } from "./clock.ts";
import type { ServerLink } from "./link.ts";
import type { WorkerLog } from "./log.ts";
import { ApiError, type RestClient, RestLink } from "./rest.ts";
import { SocketLink, type Welcome, WorkerSocket } from "./socket.ts";

export type Hello = Extract<WorkerToServer, { type: "hello" }>["data"];

export interface ConnectionOptions {
  rest: RestClient;
  key: string;
  workerId: string;
  /** Never open a WebSocket (--pull). */
  pull: boolean;
  /** Longest wait of one long-poll. */
  pullWaitSeconds: number;
  executor: Executor;
  attempts: Attempts;
  log: WorkerLog;
  /** What the worker is and holds now, for a new session's hello. */
  hello(): Promise<Hello>;
  /** The link changed: a session opened (with its welcome) or closed. */
  onLink(link: ServerLink, welcome?: Welcome): void;
  /** False once the worker drains. */
  takingWork(): boolean;
  /** Aborted once the worker has stopped: every loop ends. */
  stopped: AbortSignal;
  clock?: WorkerClock;
}

export class Connection {
  private current: ServerLink;
  private readonly restLink: RestLink;
  /** The long-poll in flight, cut when the worker stops taking work. */
  private poll: AbortController | null = null;
  /** The open session, closed by reconnectNow and holdOff. */
  private socket: WorkerSocket | null = null;
  /** Cuts the wait between sessions (reconnectNow). */
  private reconnect = new AbortController();
  /** Cut when the worker takes work again after a pause: the idle wait ends and a session opens. */
  private idle = new AbortController();
  private readonly clock: WorkerClock;
  private readonly backoff = new Backoff({ initialMs: 500, maxMs: 30_000 });

  constructor(private readonly options: ConnectionOptions) {
    this.restLink = new RestLink(options.rest, options.workerId, options.log);
    this.current = this.restLink;
    this.clock = options.clock ?? systemClock;
  }

  get link(): ServerLink {
    return this.current;
  }

  /** The worker stopped taking work: end the long-poll in flight now rather than claim a task it would refuse. */
  stopPulling(): void {
    this.poll?.abort();
  }

  /**
   * The machine woke: the session (or the long-poll) in flight probably died while it slept. Drops it and
   * connects again now, once, without waiting out the back-off.
   */
  reconnectNow(): void {
    this.backoff.reset();
    const cut = this.reconnect;
    this.reconnect = new AbortController();
    cut.abort();
    this.poll?.abort();
    this.socket?.close();
  }

  /** The owner paused the worker: end the session and the long-poll, so nothing is offered or claimed. */
  holdOff(): void {
    this.poll?.abort();
    this.socket?.close();
  }

  /** The worker takes work again: a session (or the long-poll) starts now rather than after the idle wait. */
  takeWorkAgain(): void {
    this.idle.abort();
    this.idle = new AbortController();
  }

  /** Keeps a connection until the worker stops. */
  async run(): Promise<void> {
    const { stopped, log } = this.options;
    while (!stopped.aborted) {
      if (!this.options.takingWork()) {
        this.use(this.restLink);
        await sleep(60_000, AbortSignal.any([stopped, this.idle.signal]));
        continue;
      }
      if (this.options.pull) {
        this.use(this.restLink);
        await this.pullUntil(Number.POSITIVE_INFINITY);
        continue;
      }
      const reconnect = this.reconnect.signal;
      try {
        const { rest, workerId, key } = this.options;
        const { socket, welcome } = await WorkerSocket.open(rest.baseUrl, workerId, key, await this.options.hello());
        this.backoff.reset();
        await this.session(socket, welcome);
        if (stopped.aborted) return;
        // Closed on purpose after a wake: connect again at once (the wake was logged already).
        if (reconnect.aborted) continue;
        // Closed on purpose because the owner paused the worker.
        if (!this.options.takingWork()) continue;
        log.warn("WebSocket connection lost; reconnecting");
      } catch (error) {
        if (stopped.aborted) return;
        if (reconnect.aborted) continue;
        log.warn(`WebSocket unavailable (${(error as Error).message}); pulling over HTTP meanwhile`);
      }
      this.use(this.restLink);
      await this.pullUntil(this.clock.monotonicMs() + this.backoff.next());
    }
  }

  /** Runs one WebSocket session until it closes (or the worker stops). */
  private async session(socket: WorkerSocket, welcome: Welcome): Promise<void> {
    const { stopped } = this.options;
    this.socket = socket;
    this.use(new SocketLink(socket, this.restLink), welcome);
    this.options.log.info("connected over WebSocket");
    socket.receive((message) => this.onServerMessage(socket, message));
    await new Promise<void>((resolve) => {
      const done = () => {
        stopped.removeEventListener("abort", done);
        resolve();
      };
      socket.once("close", done);
      // Paused while the socket was opening: this session ends at once.
      if (!this.options.takingWork()) socket.close();
      // A stop that came while the socket was opening has already fired its abort event.
      if (stopped.aborted) done();
      else stopped.addEventListener("abort", done, { once: true });
    });
    if (this.socket === socket) this.socket = null;
    socket.close(stopped.aborted ? "going_away" : "reconnect");
  }

  private use(link: ServerLink, welcome?: Welcome): void {
    this.current = link;
    this.options.onLink(link, welcome);
  }

  private onServerMessage(socket: WorkerSocket, message: ServerToWorker): void {
    const { log } = this.options;
    switch (message.type) {
      case "task.assign":
        void this.onAssign(socket, message.data);
        return;
      case "task.cancel":
        void this.options.attempts.abandon(message.data.task_id, `the server says stop: ${message.data.reason}`);
        return;
      case "worker.drain":
        log.info("the server drains this worker: no new tasks will come");
        return;
      default:
        return;
    }
  }

  private async onAssign(socket: WorkerSocket, task: AssignedTask): Promise<void> {
    const { attempts, executor, log } = this.options;
    await attempts.supersede(task);
    const fence = { task_id: task.task_id, attempt_token: task.attempt_token };
    // The same attempt offered again (after a reconnect): it is running here, so accept it again.
    if (!attempts.holds(fence)) {
      try {
        attempts.run(task);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof TaskRejectedError) log.warn(`task ${task.task_id}: refused (${reason})`);
        if (error instanceof TaskRejectedError && error.permanent) {
          // No worker would run it as it is: fail it for good rather than offer it around.
          const failure = { ...fence, error: reason.slice(0, 20_000), retryable: false };
          socket.request("task.fail", failure).catch(() => {});
          return;
        }
        // Another worker may take it (one whose owner allows what this one refuses, or with room for it).
        socket.request("task.reject", { ...fence, reason: reason.slice(0, 2000) }).catch(() => {});
        return;
      }
    }
    socket
      .request("task.accept", fence)
      .then((ack) => {
        if (ack.ok) return;
        log.warn(`task ${task.task_id}: the server took the offer back (${ack.error ?? "refused"}); stopping it`);
        void executor.cancel(task.task_id);
      })
      // No answer (session lost): the task keeps running and the next hello reports it.
      .catch(() => {});
  }

  /**
   * Long-polls for tasks until `deadline` (monotonic ms) or the worker stops, or a wake cuts it short; idle while it drains or
   * has no room. The pull request cannot say which tools have room: the server holds back tools that are
   * limited or at their cap (the worker advertises both), and the worker polls only while some tool could
   * take a task. A task claimed for a tool without room after all is handed back.
   */
  private async pullUntil(deadline: number): Promise<void> {
    const { attempts, rest, workerId, stopped, log } = this.options;
    const backoff = new Backoff({ initialMs: 500, maxMs: 15_000 });
    const reconnect = this.reconnect.signal;
    const cut = AbortSignal.any([stopped, reconnect]);
    while (!cut.aborted && this.clock.monotonicMs() < deadline) {
      const remaining = deadline - this.clock.monotonicMs();
      if (!this.options.takingWork()) {
        await sleep(Math.min(remaining, 60_000), AbortSignal.any([cut, this.idle.signal]));
        continue;
      }
      if (!attempts.canTakeMore()) {
        await attempts.roomMayOpen(Math.min(remaining, 60_000), cut);
        continue;
      }
      const poll = new AbortController();
      this.poll = poll;
      try {
        const wait = Math.max(1, Math.min(this.options.pullWaitSeconds, Math.floor(remaining / 1000)));
        const task = await rest.pullTask(workerId, wait, poll.signal);
        backoff.reset();
        if (task) void this.runClaimed(task);
      } catch (error) {
        if (poll.signal.aborted || cut.aborted) continue;
        log.warn(`pulling a task failed (${(error as Error).message})`);
        await sleep(Math.min(backoff.next(), remaining), cut);
      } finally {
        if (this.poll === poll) this.poll = null;
      }
    }
  }

  private async runClaimed(task: AssignedTask): Promise<void> {
    const { attempts, rest, log } = this.options;
    await attempts.supersede(task);
    try {
      await rest.startTask(task.task_id, task.attempt_token);
    } catch (error) {
      if (error instanceof ApiError && error.fenced) return;
      // Not fatal: a report is accepted from an assigned attempt too, and heartbeats keep the lease.
      log.warn(`task ${task.task_id}: could not report its start (${(error as Error).message})`);
    }
    try {
      attempts.run(task);
    } catch (error) {
      await attempts.refuse(task, error);
    }
  }
}
