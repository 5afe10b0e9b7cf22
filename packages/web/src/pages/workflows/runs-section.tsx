// Start a run (with its input) and see the run history of one workflow. The input form has a field per
// `{{input.x}}` the workflow uses (and per default it has), filled with the defaults.
import type { Workflow } from "@garageswarm/protocol";
import { useState } from "react";
import { Link, useLocation } from "wouter";
import { useRuns, useStartRun } from "../../api/workflows.ts";
import { Field, FormError, TextAreaField } from "../../components/form.tsx";
import { formatAgo } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { ErrorState } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { runStatusLabels } from "../../labels.ts";
import { inputVariables } from "./variables.ts";

/** A value as a field shows it: text as is, anything else as JSON. */
const asText = (value: unknown) =>
  value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);

/** A field's text back to a value: JSON when the default was not text and it parses, the text otherwise. */
function fromText(text: string, like: unknown): unknown {
  if (typeof like === "string" || like === undefined) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function RunsSection({ workflow, dirty }: { workflow: Workflow; dirty: boolean }) {
  const [, navigate] = useLocation();
  const runs = useRuns(workflow.workflow_id);
  const start = useStartRun(workflow.workflow_id);
  const names = [...new Set([...inputVariables(workflow.definition), ...Object.keys(workflow.input)])];
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(names.map((name) => [name, asText(workflow.input[name])])),
  );
  // Anything the fields do not cover (nested values, extra keys) goes in as JSON.
  const [input, setInput] = useState("{}");
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
          const fromFields = Object.fromEntries(
            names.map((name) => [name, fromText(values[name] ?? "", workflow.input[name])]),
          );
          start.mutate(
            { ...fromFields, ...parsed },
            {
              onSuccess: (run) => navigate(`/workflows/${workflow.workflow_id}/runs/${run.run_id}`),
            },
          );
        }}
      >
        {names.length ? (
          <fieldset className="run-input">
            <legend>Run input</legend>
            {names.map((name) => (
              <Field
                key={name}
                label={name}
                value={values[name] ?? ""}
                onChange={(event) => setValues((current) => ({ ...current, [name]: event.target.value }))}
                hint={`{{input.${name}}}`}
              />
            ))}
          </fieldset>
        ) : null}
        <details>
          <summary>{names.length ? "More input as JSON" : "Run input (JSON)"}</summary>
          <TextAreaField
            label={names.length ? "Extra input (JSON)" : "Run input (JSON)"}
            className="mono"
            rows={3}
            value={input}
            error={inputError}
            onChange={(event) => setInput(event.target.value)}
            hint="Merged over the fields above; available to prompts as {{input.NAME}}."
          />
        </details>
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
