// The condition builder beside the JSON: field, operator, value. Each change rewrites the node's JSON Logic;
// a rule beyond the builder (and/or, nesting) is left to the JSON field, and the builder says so.
import { useId, useState } from "react";
import { Field, SelectField } from "../../components/form.tsx";
import {
  type ConditionOperator,
  conditionOperators,
  fromJsonLogic,
  type SimpleCondition,
  toJsonLogic,
} from "./condition-builder.ts";

export function ConditionBuilder({
  expression,
  variables,
  onChange,
}: {
  expression: unknown;
  variables: string[];
  onChange: (expression: unknown) => void;
}) {
  const listId = useId();
  const parsed = fromJsonLogic(expression);
  // Kept while typing: a half-typed field is still this builder's, even before it makes a rule.
  const [draft, setDraft] = useState<SimpleCondition>(
    () => parsed ?? { field: variables[0] ?? "input.x", operator: "==", value: "" },
  );
  const shown = parsed ?? draft;
  const change = (patch: Partial<SimpleCondition>) => {
    const next = { ...shown, ...patch };
    setDraft(next);
    if (next.field.trim()) onChange(toJsonLogic(next));
  };
  return (
    <fieldset className="condition-builder">
      <legend>True when</legend>
      {parsed === null && expression !== undefined ? (
        <p className="muted">This rule is more than one comparison: edit it as JSON below, or build a new one here.</p>
      ) : null}
      <Field
        label="Field"
        value={shown.field}
        list={listId}
        onChange={(event) => change({ field: event.target.value })}
      />
      <datalist id={listId}>
        {variables.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <SelectField
        label="Operator"
        value={shown.operator}
        onChange={(event) => change({ operator: event.target.value as ConditionOperator })}
        options={conditionOperators.map(({ value, label }) => ({ value, label }))}
      />
      {shown.operator === "truthy" ? null : (
        <Field
          label="Value"
          value={shown.value}
          onChange={(event) => change({ value: event.target.value })}
          hint="A number or true/false compares as one; anything else as text."
        />
      )}
    </fieldset>
  );
}
