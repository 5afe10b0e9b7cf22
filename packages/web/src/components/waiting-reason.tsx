// Why a queued task (or a run node's task) is not running yet, as the server says it, with the retry
// countdown kept live: the server words "retrying in 8 s" at the moment it answered, so the page counts on.
import type { WaitingReason } from "@garageswarm/protocol";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { onLiveMessage } from "../api/realtime.ts";
import { formatSeconds, formatUntil } from "./format.ts";

const retrying = "; retrying in ";

export function WaitingReasonText({ reason }: { reason: WaitingReason }) {
  const counting = reason.code === "backoff" && reason.until !== null;
  const remaining = useSecondsUntil(counting ? reason.until : null);
  if (counting && remaining !== null) {
    const cut = reason.message.lastIndexOf(retrying);
    const failure = cut >= 0 ? reason.message.slice(0, cut) : reason.message;
    return (
      <span>
        {failure}; {/* A live region around this would read the countdown out every second. */}
        <span aria-live="off">{remaining > 0 ? `retrying in ${formatSeconds(remaining)}` : "retrying now"}</span>
      </span>
    );
  }
  return (
    <span>
      {reason.message}
      {reason.until ? <span className="muted"> · until {formatUntil(reason.until)}</span> : null}
    </span>
  );
}

/**
 * Whole seconds left until `until`, ticking each second; null without one. When it runs out, the task
 * views are read again: the retry is claimed, or the task now waits for another reason.
 */
function useSecondsUntil(until: string | null): number | null {
  const queryClient = useQueryClient();
  const [now, setNow] = useState(() => Date.now());
  const end = until ? Date.parse(until) : null;
  useEffect(() => {
    if (end === null) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= end) {
        clearInterval(timer);
        for (const key of ["task", "tasks", "run"]) void queryClient.invalidateQueries({ queryKey: [key] });
      }
    }, 1000);
    return () => clearInterval(timer);
  }, [end, queryClient]);
  return end === null ? null : Math.max(0, Math.ceil((end - now) / 1000));
}

/**
 * A waiting reason depends on the workers as much as on the task: a worker that comes online, gains a tool
 * or goes away changes it with no task or run event, so the views that show reasons are read again then.
 */
export function useReasonsFollowWorkers(queryKey: readonly unknown[]) {
  const queryClient = useQueryClient();
  const key = JSON.stringify(queryKey);
  useEffect(
    () =>
      onLiveMessage((message) => {
        if (message.type === "worker.updated") void queryClient.invalidateQueries({ queryKey: JSON.parse(key) });
      }),
    [queryClient, key],
  );
}
