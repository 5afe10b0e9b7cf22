// The definition as YAML or JSON. It follows the canvas until edited; "Apply text" loads it back.
import type { WorkflowDefinition } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { SelectField, TextAreaField } from "../../components/form.tsx";
import { Section } from "../../components/page.tsx";
import { formatDefinition, parseDefinition, type TextFormat } from "./definition.ts";

export function DefinitionText({
  definition,
  onApply,
}: {
  definition: WorkflowDefinition;
  onApply: (definition: WorkflowDefinition) => void;
}) {
  const [format, setFormat] = useState<TextFormat>("yaml");
  const [text, setText] = useState(() => formatDefinition(definition, format));
  const [edited, setEdited] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!edited) setText(formatDefinition(definition, format));
  }, [definition, format, edited]);

  return (
    <Section title="Definition as text">
      <div className="inline-form">
        <SelectField
          label="Format"
          value={format}
          onChange={(event) => {
            setFormat(event.target.value as TextFormat);
            setEdited(false);
            setError(undefined);
          }}
          options={[
            { value: "yaml", label: "YAML" },
            { value: "json", label: "JSON" },
          ]}
        />
      </div>
      <TextAreaField
        label={`Definition (${format.toUpperCase()})`}
        className="mono"
        rows={16}
        spellCheck={false}
        value={text}
        error={error}
        onChange={(event) => {
          setText(event.target.value);
          setEdited(true);
        }}
      />
      <div className="actions">
        <button
          type="button"
          disabled={!edited}
          onClick={() => {
            try {
              onApply(parseDefinition(text, format));
              setEdited(false);
              setError(undefined);
            } catch (caught) {
              setError((caught as Error).message);
            }
          }}
        >
          Apply text
        </button>
        <button
          type="button"
          className="ghost"
          disabled={!edited}
          onClick={() => {
            setEdited(false);
            setError(undefined);
          }}
        >
          Discard text edits
        </button>
      </div>
    </Section>
  );
}
