// The allocator's score weights and resource thresholds: admins edit them, everyone else sees them.
import type { AllocatorSettings, AllocatorSettingsView } from "@garageswarm/protocol";
import { useId } from "react";
import { useAllocatorSettings, useSaveAllocatorSettings } from "../../api/settings.ts";
import { Field, FormError, fieldErrorsOf, formValues } from "../../components/form.tsx";
import { formatAgo } from "../../components/format.ts";
import { Section } from "../../components/page.tsx";
import { ErrorState, Loading } from "../../components/states.tsx";

const weights = [
  { name: "match", label: "Match weight", hint: "the task's model is listed by the tool" },
  { name: "availability", label: "Availability weight", hint: "free slots and idle cpu/memory" },
  { name: "balance", label: "Balance weight", hint: "lightly loaded against the busiest candidate" },
  { name: "affinity", label: "Affinity weight", hint: "the task's preferred worker" },
] as const;

const thresholds = [
  { name: "cpu_percent", label: "CPU threshold (%)" },
  { name: "memory_percent", label: "Memory threshold (%)" },
  { name: "disk_percent", label: "Disk threshold (%)" },
] as const;

const fieldNames = [
  "weights",
  "thresholds",
  ...weights.map((weight) => `weights.${weight.name}`),
  ...thresholds.map((threshold) => `thresholds.${threshold.name}`),
];

export function AllocatorSection({ isAdmin }: { isAdmin: boolean }) {
  const settings = useAllocatorSettings();
  // Held here, not in the form: a save re-keys the form, and its outcome must outlive that.
  const save = useSaveAllocatorSettings();
  return (
    <Section title="Allocator">
      <p className="muted">
        Each candidate worker is scored on four parts, each weighted; the best score gets the task. A worker above any
        threshold takes no new task.
      </p>
      {settings.isPending ? (
        <Loading what="allocator settings" />
      ) : settings.isError ? (
        <ErrorState error={settings.error} what="allocator settings" onRetry={() => settings.refetch()} />
      ) : isAdmin ? (
        // Keyed by the save time, so a saved change becomes the form's new starting values.
        <AllocatorForm key={settings.data.updated_at ?? "defaults"} current={settings.data} save={save} />
      ) : (
        <AllocatorFacts current={settings.data} />
      )}
    </Section>
  );
}

function AllocatorForm({
  current,
  save,
}: {
  current: AllocatorSettingsView;
  save: ReturnType<typeof useSaveAllocatorSettings>;
}) {
  const fields = fieldErrorsOf(save.error);
  const weightsErrorId = useId();
  return (
    <form
      aria-label="Allocator settings"
      onSubmit={(event) => {
        event.preventDefault();
        const values = formValues(event.currentTarget);
        // An empty input becomes null on the wire, and the server names the field.
        const number = (name: string) => (values[name] === "" ? Number.NaN : Number(values[name]));
        const body = {
          weights: Object.fromEntries(weights.map(({ name }) => [name, number(`weights.${name}`)])),
          thresholds: Object.fromEntries(thresholds.map(({ name }) => [name, number(`thresholds.${name}`)])),
        } as AllocatorSettings;
        save.mutate(body);
      }}
    >
      <fieldset className="field-grid" aria-describedby={fields.weights ? weightsErrorId : undefined}>
        <legend>Score weights (0 to 1)</legend>
        {weights.map(({ name, label, hint }) => (
          <Field
            key={name}
            label={label}
            name={`weights.${name}`}
            type="number"
            inputMode="decimal"
            min={0}
            max={1}
            step={0.01}
            required
            defaultValue={current.weights[name]}
            hint={hint}
            error={fields[`weights.${name}`]}
          />
        ))}
        {fields.weights ? (
          <p id={weightsErrorId} className="field-error">
            Weights: {fields.weights}
          </p>
        ) : null}
      </fieldset>
      <fieldset className="field-grid">
        <legend>Resource thresholds</legend>
        {thresholds.map(({ name, label }) => (
          <Field
            key={name}
            label={label}
            name={`thresholds.${name}`}
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            step={1}
            required
            defaultValue={current.thresholds[name]}
            error={fields[`thresholds.${name}`]}
          />
        ))}
      </fieldset>
      <FormError error={save.error} fields={fieldNames} />
      {save.isSuccess ? (
        <p role="status" className="success">
          Allocator settings saved.
        </p>
      ) : null}
      <p className="muted">{current.updated_at ? `Last changed ${formatAgo(current.updated_at)}.` : "The defaults."}</p>
      <button type="submit" className="primary" disabled={save.isPending}>
        Save allocator settings
      </button>
    </form>
  );
}

function AllocatorFacts({ current }: { current: AllocatorSettingsView }) {
  return (
    <>
      <dl className="facts">
        {weights.map(({ name, label }) => (
          <FactRow key={name} term={label} value={current.weights[name].toFixed(2)} />
        ))}
        {thresholds.map(({ name, label }) => (
          <FactRow key={name} term={label} value={String(current.thresholds[name])} />
        ))}
      </dl>
      <p className="muted">Only an administrator can change these.</p>
    </>
  );
}

function FactRow({ term, value }: { term: string; value: string }) {
  return (
    <>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </>
  );
}
