// Why the task ran where it did, in words: each part of the allocator's score beside its weight and what it
// measures, what `rank` is, and which workers were considered (their totals) or left out (and why).
import type { ToolId, Worker } from "@garageswarm/protocol";
import { toolLabels } from "../../labels.ts";

const parts: Array<{ name: string; label: string; means: string }> = [
  {
    name: "match",
    label: "Match",
    means: "1 when the worker offers the task's model too (0.5 when it does not list it)",
  },
  { name: "availability", label: "Availability", means: "its free slots, scaled by how idle its CPU and memory are" },
  { name: "balance", label: "Balance", means: "1 − its load over the busiest candidate's: spreads tasks out" },
  { name: "affinity", label: "Affinity", means: "1 on the preferred worker, 0.5 when it holds the repository's clone" },
];

const via: Record<string, string> = {
  allocator: "The allocator chose this worker and pushed the task to it.",
  pull: "The worker asked for work (pull) and took it; the score shows how it compares.",
  free_slot: "The worker claimed it on a freed slot; the score shows how it compares.",
};

type Entry = { worker_id: string; total?: number; reason?: string };
const entriesOf = (value: unknown): Entry[] => (Array.isArray(value) ? (value as Entry[]) : []);
const numberOf = (value: unknown): number | null => (typeof value === "number" ? value : null);

export function ScoreBreakdown({ score, workers }: { score: Record<string, unknown> | null; workers: Worker[] }) {
  if (!score) return <p className="muted">No allocator score: no worker has claimed the task yet.</p>;
  const weights = (typeof score.weights === "object" && score.weights !== null ? score.weights : {}) as Record<
    string,
    number
  >;
  const tool = typeof score.tool === "string" ? (score.tool as ToolId) : null;
  const passedOver = Array.isArray(score.passed_over)
    ? (score.passed_over as Array<{ tool: ToolId; reason: string }>)
    : [];
  const ranked = entriesOf(score.ranked);
  const rejected = entriesOf(score.rejected);
  const rank = numberOf(score.rank);
  const total = numberOf(score.total);
  const nameOf = (id: string) => workers.find((w) => w.worker_id === id)?.machine_name ?? `worker ${id.slice(0, 8)}`;
  const chosen = typeof score.worker_id === "string" ? score.worker_id : null;
  return (
    <div className="score">
      <div className="table-wrap">
        <table>
          <caption>Why this worker (allocator score)</caption>
          <thead>
            <tr>
              <th scope="col">Part</th>
              <th scope="col">Score</th>
              <th scope="col">Weight</th>
              <th scope="col">What it measures</th>
            </tr>
          </thead>
          <tbody>
            {parts.map((part) => {
              const value = numberOf(score[part.name]);
              if (value === null) return null;
              return (
                <tr key={part.name}>
                  <th scope="row">{part.label}</th>
                  <td data-label="Score">{value.toFixed(2)}</td>
                  <td data-label="Weight">{weights[part.name] === undefined ? "—" : `× ${weights[part.name]}`}</td>
                  <td data-label="What it measures" className="muted">
                    {part.means}
                  </td>
                </tr>
              );
            })}
            {total !== null ? (
              <tr>
                <th scope="row">Total</th>
                <td data-label="Score">{total.toFixed(2)}</td>
                <td />
                <td className="muted">the sum of each part times its weight (weights are in Settings)</td>
              </tr>
            ) : null}
            {rank !== null ? (
              <tr>
                <th scope="row">Rank</th>
                <td data-label="Rank">{rank}</td>
                <td />
                <td className="muted">its place among the workers that could take the task, by total (1 = the best)</td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      <ul className="score-notes">
        {typeof score.via === "string" && via[score.via] ? <li>{via[score.via]}</li> : null}
        {tool ? <li>Ran with {toolLabels[tool] ?? tool}.</li> : null}
        {passedOver.map((passed) => (
          <li key={passed.tool}>
            Passed over {toolLabels[passed.tool] ?? passed.tool}: {passed.reason}
          </li>
        ))}
        {typeof score.note === "string" ? <li>Note: {score.note}</li> : null}
      </ul>
      <h3 className="score-heading">
        Workers considered: {numberOf(score.candidates) ?? ranked.length + rejected.length}
      </h3>
      <p className="muted">
        Online workers you may use that offer the task's tool and had a free slot; the rest were not considered.
      </p>
      <ul className="score-workers">
        {ranked.map((entry, index) => (
          <li key={entry.worker_id}>
            {index + 1}. {nameOf(entry.worker_id)} · total {entry.total?.toFixed(2) ?? "—"}
            {entry.worker_id === chosen ? <strong> · ran the task</strong> : null}
          </li>
        ))}
        {rejected.map((entry) => (
          <li key={entry.worker_id}>
            {nameOf(entry.worker_id)} · left out: {entry.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
