// When each node ran: one row per node, one bar per task attempt (every loop iteration), on the run's own
// time axis. While the run is active the axis ends at "now" and the open bars grow every second.
import type { NodeAttempt, WorkflowRun } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { formatSeconds } from "../../components/format.ts";

const active = new Set<string>(["pending", "running", "paused", "waiting_approval"]);

/** Whole seconds between two instants, at least 0. */
export function secondsBetween(from: string, to: string | number): number {
  const end = typeof to === "number" ? to : Date.parse(to);
  return Math.max(0, Math.round((end - Date.parse(from)) / 1000));
}

/** How long an attempt has run (to now while it runs); null before a worker started it. */
export function attemptSeconds(attempt: NodeAttempt, now: number): number | null {
  if (!attempt.started_at) return null;
  return secondsBetween(attempt.started_at, attempt.completed_at ?? now);
}

/** The current time, ticking every second while `live`. */
export function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

export function RunTimeline({
  run,
  attempts,
  order,
  onSelect,
}: {
  run: WorkflowRun;
  attempts: NodeAttempt[];
  /** Node ids in graph order. */
  order: string[];
  onSelect: (nodeId: string) => void;
}) {
  const now = useNow(active.has(run.status));
  if (attempts.length === 0) return <p className="muted">No node has run a task yet.</p>;
  const start = Date.parse(run.created_at);
  const end = Math.max(run.finished_at ? Date.parse(run.finished_at) : now, start + 1000);
  const span = end - start;
  const at = (instant: number) => `${(((instant - start) / span) * 100).toFixed(2)}%`;
  const rows = order
    .map((nodeId) => ({ nodeId, attempts: attempts.filter((attempt) => attempt.node_id === nodeId) }))
    .filter((row) => row.attempts.length > 0);
  return (
    <div className="timeline">
      <ol className="timeline-rows" aria-label="Node timeline">
        {rows.map((row) => {
          const total = row.attempts.reduce((sum, attempt) => sum + (attemptSeconds(attempt, now) ?? 0), 0);
          return (
            <li key={row.nodeId} className="timeline-row">
              <button type="button" className="link-button timeline-label" onClick={() => onSelect(row.nodeId)}>
                {row.nodeId}
              </button>
              <div className="timeline-track">
                {row.attempts.map((attempt) => {
                  const queued = Date.parse(attempt.created_at);
                  const began = attempt.started_at ? Date.parse(attempt.started_at) : null;
                  const ended = attempt.completed_at ? Date.parse(attempt.completed_at) : now;
                  const seconds = attemptSeconds(attempt, now);
                  const what = `${row.nodeId}, iteration ${attempt.iteration + 1}, attempt ${attempt.attempt}: ${
                    seconds === null ? "waiting for a worker" : `${formatSeconds(seconds)}, ${attempt.status}`
                  }`;
                  return (
                    <span key={attempt.task_id} title={what}>
                      <span className="visually-hidden">{what}</span>
                      {began === null ? null : (
                        <span
                          className="timeline-wait"
                          style={{ left: at(queued), width: `calc(${at(began)} - ${at(queued)})` }}
                        />
                      )}
                      <span
                        className={`timeline-bar bar-${attempt.status}`}
                        style={{
                          left: at(began ?? queued),
                          width: `max(3px, calc(${at(ended)} - ${at(began ?? queued)}))`,
                        }}
                      />
                    </span>
                  );
                })}
              </div>
              <span className="timeline-total">
                {total === 0 && row.attempts.some((attempt) => attempt.started_at) ? "under 1 s" : formatSeconds(total)}
              </span>
            </li>
          );
        })}
      </ol>
      <p className="muted timeline-axis">
        <span>0 s</span>
        <span>{formatSeconds(Math.round(span / 1000))}</span>
      </p>
    </div>
  );
}
