// Start a run (with its input) and see the run history of one workflow.
import type { Workflow } from "@garageswarm/protocol";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { useRuns, useStartRun } from "../../api/workflows.ts";
import { FormError, TextAreaField } from "../../components/form.tsx";
import { formatAgo } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { ErrorState } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { runStatusLabels } from "../../labels.ts";

export function RunsSection({ workflow, dirty }: { workflow: Workflow; dirty: boolean }) {
  const [, navigate] = useLocation();
  const runs = useRuns(workflow.workflow_id);
  const start = useStartRun(workflow.workflow_id);
  const [input, setInput] = useState(() => JSON.stringify(workflow.input, null, 2));
  const [inputError, setInputError] = useState<string>();

  return (
    <Section title="Runs">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          let parsed: Record<string, unknown>;
          try {
            parsed = input.trim() ? JSON.parse(input) : {};
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
          } catch {
            setInputError("must be a JSON object");
            return;
          }
          setInputError(undefined);
          start.mutate(parsed, {
            onSuccess: (run) => navigate(`/workflows/${workflow.workflow_id}/runs/${run.run_id}`),
          });
        }}
      >
        <TextAreaField
          label="Run input (JSON)"
          className="mono"
          rows={3}
          value={input}
          error={inputError}
          onChange={(event) => setInput(event.target.value)}
          hint="Available to prompts as {{input.NAME}}."
        />
        {dirty ? <p className="warning">Unsaved changes: a run uses the saved workflow.</p> : null}
        <FormError error={start.error} />
        <button type="submit" className="primary" disabled={start.isPending}>
          Run workflow
        </button>
      </form>
      <h3>History</h3>
      {runs.isError ? (
        <ErrorState error={runs.error} what="runs" />
      ) : !runs.data?.length ? (
        <p className="muted">{runs.isPending ? "Loading runs…" : "No runs yet."}</p>
      ) : (
        <ul className="plain-list">
          {runs.data.map((run) => (
            <li key={run.run_id}>
              <Link href={`/workflows/${workflow.workflow_id}/runs/${run.run_id}`}>
                Run #{run.run_number} · {formatAgo(run.created_at)}
              </Link>{" "}
              <StatusBadge status={run.status} label={runStatusLabels[run.status]} />{" "}
              <span className="muted">{run.trigger}</span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
