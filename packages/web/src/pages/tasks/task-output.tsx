// A task's output as a conversation: one section per attempt (its worker, duration and outcome), the agent's
// text, each tool call folded with its result, errors; and the Raw tab with the stream as received.
import {
  type AttemptOutcome,
  buildConversation,
  type ConversationEntry,
  type Task,
  type TaskAttempt,
  type ToolId,
} from "@garageswarm/protocol";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useTaskAttempts } from "../../api/task-attempts.ts";
import { type OutputChunk, useTaskOutput } from "../../api/task-output.ts";
import { formatDateSeconds, formatElapsed } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { toolLabels } from "../../labels.ts";
import { useNow } from "./use-now.ts";
import "./task-output.css";

type View = "conversation" | "raw";

export function TaskOutput({ task, finished }: { task: Task; finished: boolean }) {
  const chunks = useTaskOutput(task.task_id);
  const attempts = useTaskAttempts(task.task_id).data ?? [];
  const [view, setView] = useState<View>("conversation");
  const tabs = useId();
  const numbers = [...new Set([...attempts.map((a) => a.attempt), ...chunks.map((c) => c.attempt)])].sort(
    (a, b) => a - b,
  );
  return (
    <Section title="Output" actions={<ViewTabs id={tabs} view={view} onChange={setView} />}>
      <div role="tabpanel" id={`${tabs}-${view}`} aria-labelledby={`${tabs}-${view}-tab`}>
        {numbers.length === 0 ? (
          <p className="muted">
            {finished
              ? "No output was recorded."
              : task.status === "queued"
                ? "Not started yet."
                : "Waiting for output…"}
          </p>
        ) : view === "raw" ? (
          <RawLog chunks={chunks} />
        ) : (
          numbers.map((number) => (
            <AttemptSection
              key={number}
              number={number}
              of={task.max_attempts}
              attempt={attempts.find((a) => a.attempt === number)}
              chunks={chunks}
              live={!finished && number === task.attempt}
            />
          ))
        )}
      </div>
    </Section>
  );
}

function ViewTabs({ id, view, onChange }: { id: string; view: View; onChange: (view: View) => void }) {
  const names: Record<View, string> = { conversation: "Conversation", raw: "Raw" };
  const order: View[] = ["conversation", "raw"];
  return (
    <div role="tablist" aria-label="Output view" className="tabs">
      {order.map((name) => (
        <button
          key={name}
          type="button"
          role="tab"
          id={`${id}-${name}-tab`}
          aria-selected={view === name}
          aria-controls={`${id}-${name}`}
          tabIndex={view === name ? 0 : -1}
          onClick={() => onChange(name)}
          onKeyDown={(event) => {
            // Arrow keys move between tabs, as in every tab list (WAI-ARIA authoring practices).
            if (event.key !== "ArrowLeft" && event.key !== "ArrowRight") return;
            const next = order[(order.indexOf(name) + 1) % order.length] as View;
            onChange(next);
            document.getElementById(`${id}-${next}-tab`)?.focus();
          }}
        >
          {names[name]}
        </button>
      ))}
    </div>
  );
}

const outcomeLabels: Record<AttemptOutcome, string> = {
  offered: "Offered",
  running: "Running",
  completed: "Completed",
  failed: "Failed",
  timed_out: "Timed out",
  cancelled: "Cancelled",
  retried: "Failed, retried",
  parked: "Usage limit",
};

const outcomeBadges: Record<AttemptOutcome, string> = {
  offered: "assigned",
  running: "running",
  completed: "completed",
  failed: "failed",
  timed_out: "timed_out",
  cancelled: "cancelled",
  retried: "failed",
  parked: "limited",
};

function AttemptSection(props: {
  number: number;
  of: number;
  attempt: TaskAttempt | undefined;
  chunks: OutputChunk[];
  live: boolean;
}) {
  const { number, attempt, chunks, live } = props;
  const mine = useMemo(() => chunks.filter((chunk) => chunk.attempt === number), [chunks, number]);
  const entries = useMemo(() => buildConversation(mine), [mine]);
  const headingId = useId();
  return (
    <section className="attempt" aria-labelledby={headingId}>
      <header className="attempt-head">
        <h3 id={headingId}>
          Attempt {number} of {props.of}
        </h3>
        {attempt ? <AttemptFacts attempt={attempt} /> : null}
      </header>
      {entries.length === 0 ? (
        <p className="muted">{live ? "Waiting for output…" : "No output."}</p>
      ) : (
        <Conversation entries={entries} live={live} label={`Task output, attempt ${number}`} />
      )}
    </section>
  );
}

function AttemptFacts({ attempt }: { attempt: TaskAttempt }) {
  const running = attempt.ended_at === null;
  const now = useNow(running);
  const tool = attempt.tool ? (toolLabels[attempt.tool as ToolId] ?? attempt.tool) : null;
  const machine = attempt.machine_name ?? (attempt.worker_id ? "a deleted worker" : "no worker");
  const by = attempt.cancelled_by;
  return (
    <p className="attempt-facts">
      {/* Named as the attempt's outcome, so it reads apart from the task's own status badge. */}
      <span className={`badge badge-${outcomeBadges[attempt.outcome]}`}>
        <span className="visually-hidden">Outcome: </span>
        {outcomeLabels[attempt.outcome]}
      </span>
      <span>
        on {machine}
        {tool ? ` · ${tool}` : ""}
      </span>
      <span title={`Started ${formatDateSeconds(attempt.started_at)}`}>
        {running ? "running for " : "took "}
        <time dateTime={attempt.started_at}>{formatElapsed(attempt.started_at, attempt.ended_at, now)}</time>
      </span>
      {by ? (
        <span>cancelled by {by.workflow_run ? "its workflow run" : (by.username ?? "a deleted user")}</span>
      ) : attempt.reason && attempt.outcome !== "completed" ? (
        <span className="attempt-reason">{attempt.reason}</span>
      ) : null}
    </p>
  );
}

function Conversation({ entries, live, label }: { entries: ConversationEntry[]; live: boolean; label: string }) {
  const list = useRef<HTMLDivElement>(null);
  // Follow the tail while live, unless the reader has scrolled up.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each new entry on purpose.
  useEffect(() => {
    const element = list.current;
    if (live && element && element.scrollHeight - element.scrollTop - element.clientHeight < 80) {
      element.scrollTop = element.scrollHeight;
    }
  }, [entries, live]);
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it.
    <div ref={list} className="conversation" role="log" aria-label={label} tabIndex={0}>
      <ol>
        {entries.map((entry) => (
          <li key={entry.key} className={`turn turn-${entry.type}`}>
            <Turn entry={entry} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function Turn({ entry }: { entry: ConversationEntry }) {
  switch (entry.type) {
    case "text":
      return <p className="turn-text">{entry.text.replace(/\n+$/, "")}</p>;
    case "stderr":
      return <pre className="turn-stderr">{entry.text.replace(/\n+$/, "")}</pre>;
    case "thinking":
      return <p className="turn-thinking">{entry.text}</p>;
    case "error":
      return (
        <p className="turn-error">
          <strong>Error: </strong>
          {entry.text}
        </p>
      );
    case "notice":
      return <p className="turn-notice">{entry.text}</p>;
    case "tool":
      return <ToolCall entry={entry} />;
  }
}

function ToolCall({ entry }: { entry: Extract<ConversationEntry, { type: "tool" }> }) {
  const result = entry.result;
  const state = result === null ? "running…" : result.is_error ? "failed" : "done";
  return (
    <details className={`tool-call${result?.is_error ? " tool-failed" : ""}`}>
      <summary>
        <span className="tool-name">{entry.name}</span>
        {entry.input ? <code className="tool-input">{entry.input}</code> : null}
        <span className={`tool-state tool-state-${result === null ? "open" : result.is_error ? "bad" : "ok"}`}>
          {state}
        </span>
      </summary>
      {result === null ? (
        <p className="muted">No result yet.</p>
      ) : result.output.trim() === "" ? (
        <p className="muted">No output.</p>
      ) : (
        <pre className="log tool-result">
          {result.output}
          {result.truncated ? "\n… (cut short)" : ""}
        </pre>
      )}
    </details>
  );
}

/** The stream as received: every chunk of every attempt, in order, events as their JSON. */
function RawLog({ chunks }: { chunks: OutputChunk[] }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log must be reachable by keyboard to scroll it.
    <pre className="log tail" role="log" aria-label="Raw output" tabIndex={0}>
      {chunks.map((chunk, index) => (
        <span key={`${chunk.attempt}:${chunk.seq}`} className={`stream-${chunk.stream}`}>
          {index > 0 && chunk.attempt !== chunks[index - 1]?.attempt ? `\n── attempt ${chunk.attempt} ──\n` : ""}
          {chunk.stream === "event" ? `${chunk.chunk}\n` : chunk.chunk}
        </span>
      ))}
    </pre>
  );
}
