// The workflow's settings around its graph: default run input, schedule, and whether it is enabled.
import type { Schedule, WorkflowDefinition } from "@garageswarm/protocol";
import { useEffect, useId, useState } from "react";
import { Field, TextAreaField } from "../../components/form.tsx";
import { inputVariables } from "./variables.ts";

export interface WorkflowSettingsValue {
  input: Record<string, unknown>;
  schedule: Schedule | null;
  enabled: boolean;
}

export function WorkflowSettings({
  value,
  onChange,
  definition,
  errors,
  isNew,
}: {
  value: WorkflowSettingsValue;
  onChange: (next: WorkflowSettingsValue) => void;
  definition: WorkflowDefinition;
  /** The server's field errors (`input`, `schedule.cron`, …). */
  errors: Record<string, string>;
  isNew: boolean;
}) {
  const enabledId = useId();
  const shownInput = JSON.stringify(value.input, null, 2);
  const [inputText, setInputText] = useState(shownInput);
  const [inputError, setInputError] = useState<string>();
  useEffect(() => setInputText(shownInput), [shownInput]);
  const used = inputVariables(definition);
  const missing = used.filter((name) => !(name in value.input));
  const schedule = value.schedule ?? { cron: "", timezone: "UTC" };
  const setSchedule = (patch: Partial<Schedule>) => {
    const next = { ...schedule, ...patch };
    onChange({ ...value, schedule: next.cron.trim() === "" ? null : next });
  };

  return (
    <details className="workflow-settings" open={!isNew || undefined}>
      <summary>Input, schedule and status</summary>
      <div className="grid three">
        <TextAreaField
          label="Default input (JSON)"
          className="mono"
          rows={4}
          value={inputText}
          error={inputError ?? errors.input}
          hint={
            used.length
              ? `The workflow uses ${used.map((name) => `{{input.${name}}}`).join(", ")}${missing.length ? `; no default for ${missing.join(", ")}` : ""}.`
              : "Available to prompts as {{input.NAME}}."
          }
          onChange={(event) => setInputText(event.target.value)}
          onBlur={() => {
            try {
              const parsed = inputText.trim() ? JSON.parse(inputText) : {};
              if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error();
              setInputError(undefined);
              onChange({ ...value, input: parsed });
            } catch {
              setInputError("must be a JSON object");
            }
          }}
        />
        <div>
          <Field
            label="Schedule (cron)"
            className="mono"
            placeholder="none, e.g. 0 9 * * 1-5"
            value={schedule.cron}
            error={errors["schedule.cron"] ?? errors.schedule}
            onChange={(event) => setSchedule({ cron: event.target.value })}
            hint="Five or six cron fields; empty: runs only when started."
          />
          <Field
            label="Time zone"
            value={schedule.timezone}
            error={errors["schedule.timezone"]}
            onChange={(event) => setSchedule({ timezone: event.target.value })}
            disabled={!value.schedule}
          />
        </div>
        <div className="checkbox">
          <input
            id={enabledId}
            type="checkbox"
            checked={value.enabled}
            disabled={isNew}
            onChange={(event) => onChange({ ...value, enabled: event.target.checked })}
          />
          <label htmlFor={enabledId}>Enabled (a disabled workflow neither runs on its schedule nor starts)</label>
        </div>
      </div>
    </details>
  );
}
