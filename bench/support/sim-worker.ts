// A simulated worker: a real WebSocket speaking the worker protocol, one slot, a no-op tool.
// On `task.assign` it sends `task.accept` and then `task.complete` at once (the server handles one
// socket's messages in order); the task counts as done when the server acks the completion.
// It heartbeats at the interval the welcome hands out, like a real worker, so the reaper leaves it online.
import { performance } from "node:perf_hooks";
import { envelope, ServerToWorker, type WorkerToServer } from "@garageswarm/protocol";
import WebSocket from "ws";

export interface DispatchLog {
  /** task_id → when this process received `task.assign` (performance.now()). */
  assigned: Map<string, number>;
  /** task_id → when the server acked `task.complete` with ok. */
  completed: Map<string, number>;
  /** Acks with ok: false, and unreadable messages. */
  errors: string[];
  /** Called on every successful completion. */
  onComplete?: () => void;
}

export interface SimulatedWorker {
  close(): void;
}

const TOOLS = [{ name: "shell" as const, version: "bench", models: [], healthy: true }];

export function connectWorker(
  base: string,
  apiKey: string,
  workerId: string,
  machineId: string,
  log: DispatchLog,
  timeoutMs = 30_000,
): Promise<SimulatedWorker> {
  const url = `${base.replace(/^http/, "ws")}/ws/worker/${workerId}`;
  const socket = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` } });
  const completions = new Map<string, string>(); // message id → task_id
  const running = new Set<string>();
  let heartbeat: NodeJS.Timeout | undefined;
  const send = (message: WorkerToServer) => socket.send(JSON.stringify(message));
  const worker: SimulatedWorker = {
    close() {
      clearInterval(heartbeat);
      socket.terminate();
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      worker.close();
      reject(new Error(`worker ${machineId}: no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", (code, reason) => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      if (code !== 1005 && code !== 1006) log.errors.push(`worker ${machineId} closed: ${code} ${reason}`);
      reject(new Error(`worker ${machineId} closed before welcome: ${code} ${reason}`));
    });
    socket.on("open", () => {
      send(
        envelope<WorkerToServer>("hello", {
          machine_id: machineId,
          tools: TOOLS,
          slots: 1,
          running: [],
        }),
      );
    });
    socket.on("message", (raw) => {
      const at = performance.now();
      const parsed = ServerToWorker.safeParse(JSON.parse(raw.toString()));
      if (!parsed.success) {
        log.errors.push(`worker ${machineId}: unreadable message ${raw.toString().slice(0, 200)}`);
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case "welcome": {
          clearTimeout(timer);
          heartbeat = setInterval(() => {
            send(
              envelope<WorkerToServer>("heartbeat", {
                cpu_percent: 1,
                memory_percent: 1,
                disk_percent: 1,
                running_task_ids: [...running],
              }),
            );
          }, message.data.heartbeat_interval_seconds * 1000);
          heartbeat.unref();
          resolve(worker);
          return;
        }
        case "task.assign": {
          const { task_id, attempt_token } = message.data;
          log.assigned.set(task_id, at);
          running.add(task_id);
          send(envelope<WorkerToServer>("task.accept", { task_id, attempt_token }));
          const complete = envelope<WorkerToServer>("task.complete", {
            task_id,
            attempt_token,
            result: {
              output: "ok",
              usage: { input_tokens: 0, output_tokens: 0, cost_usd: 0 },
              exit_code: 0,
              artifacts: [],
              detail: {},
            },
          });
          completions.set(complete.id, task_id);
          send(complete);
          return;
        }
        case "ack": {
          const taskId = completions.get(message.id);
          if (!message.data.ok) log.errors.push(`worker ${machineId}: ack error ${message.data.error}`);
          if (taskId === undefined) return;
          completions.delete(message.id);
          running.delete(taskId);
          if (message.data.ok) {
            log.completed.set(taskId, at);
            log.onComplete?.();
          }
          return;
        }
        default:
          return; // task.cancel / worker.drain: nothing runs long enough to need them
      }
    });
  });
}
