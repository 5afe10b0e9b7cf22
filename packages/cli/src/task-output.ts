// A task's output in the terminal, as the dashboard shows it: the agent's text on stdout; tool calls with their
// results, errors and notices as readable lines on stderr (protocol output-events.ts), so `> answer.txt` keeps
// only the answer; each attempt headed by its worker, duration and outcome.
import { describeOutputEvent, parseOutputEvent, type StoredOutputChunk, type TaskAttempt } from "@garageswarm/protocol";

export interface OutputWriter {
  write(chunk: Pick<StoredOutputChunk, "stream" | "chunk"> & { attempt?: number }): void;
  /** The last text written to stdout, so the caller can end the line. */
  lastStdout(): string;
}

/** `raw`: events as the JSON lines received, instead of readable lines. */
export function outputWriter(raw = false, stdout = process.stdout, stderr = process.stderr): OutputWriter {
  let last = "\n";
  let attempt: number | undefined;
  return {
    write({ stream, chunk, attempt: of }) {
      if (of !== undefined && attempt !== undefined && of !== attempt) stderr.write(`── attempt ${of} ──\n`);
      if (of !== undefined) attempt = of;
      if (stream === "stdout") {
        stdout.write(chunk);
        last = chunk;
      } else if (stream === "stderr") {
        stderr.write(chunk);
      } else if (raw) {
        stderr.write(chunk.endsWith("\n") ? chunk : `${chunk}\n`);
      } else {
        const event = parseOutputEvent(chunk);
        stderr.write(event ? describeOutputEvent(event) : `· ${chunk}\n`);
      }
    },
    lastStdout: () => last,
  };
}

const outcomes: Record<TaskAttempt["outcome"], string> = {
  offered: "offered",
  running: "running",
  completed: "completed",
  failed: "failed",
  timed_out: "timed out",
  cancelled: "cancelled",
  retried: "failed, retried",
  parked: "stopped by a usage limit",
};

/** "laptop, claude_code, 12 s, failed, retried: exit 1" (or "cancelled by alice"). */
export function attemptSummary(attempt: TaskAttempt, now = Date.now()): string {
  const end = attempt.ended_at ? Date.parse(attempt.ended_at) : now;
  const seconds = Math.max(0, Math.round((end - Date.parse(attempt.started_at)) / 1000));
  const took = attempt.ended_at ? formatSeconds(seconds) : `running for ${formatSeconds(seconds)}`;
  const by = attempt.cancelled_by;
  const why = by
    ? `cancelled by ${by.workflow_run ? "its workflow run" : (by.username ?? "a deleted user")}`
    : attempt.reason && attempt.outcome !== "completed"
      ? `${outcomes[attempt.outcome]}: ${attempt.reason.split("\n")[0]}`
      : outcomes[attempt.outcome];
  const machine = attempt.machine_name ?? (attempt.worker_id ? "a deleted worker" : "no worker");
  return [machine, attempt.tool, took, why].filter(Boolean).join(", ");
}

/** 72 → "1 min 12 s". */
export function formatSeconds(total: number): string {
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return [
    hours ? `${hours} h` : "",
    minutes ? `${minutes} min` : "",
    seconds || (!hours && !minutes) ? `${seconds} s` : "",
  ]
    .filter(Boolean)
    .join(" ");
}
