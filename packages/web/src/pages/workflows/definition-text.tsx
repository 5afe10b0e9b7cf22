// The definition as YAML or JSON. It follows the canvas until edited; "Apply text" loads it back. A whole
// workflow file (name, input, schedule, definition) may be pasted, dropped, opened or fetched here too.
import type { WorkflowDefinition } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { SelectField, TextAreaField } from "../../components/form.tsx";
import { Section } from "../../components/page.tsx";
import { formatDefinition, parseWorkflowDocument, type TextFormat, type WorkflowFields } from "./definition.ts";
import { ImportSources, readDroppedFile } from "./import-sources.tsx";

export function DefinitionText({
  definition,
  onApply,
}: {
  definition: WorkflowDefinition;
  onApply: (definition: WorkflowDefinition, fields: WorkflowFields) => void;
}) {
  const [format, setFormat] = useState<TextFormat>("yaml");
  const [text, setText] = useState(() => formatDefinition(definition, format));
  const [edited, setEdited] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    if (!edited) setText(formatDefinition(definition, format));
  }, [definition, format, edited]);

  function apply(source: string, sourceFormat: TextFormat) {
    try {
      const { definition: next, fields } = parseWorkflowDocument(source, sourceFormat);
      onApply(next, fields);
      setFormat(sourceFormat);
      setEdited(false);
      setError(undefined);
    } catch (caught) {
      setText(source);
      setFormat(sourceFormat);
      setEdited(true);
      setError((caught as Error).message);
    }
  }

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
        hint="A definition (nodes, edges) or a whole workflow file (name, workflow_type, input, schedule, definition). Drop a file here to load it."
        onChange={(event) => {
          setText(event.target.value);
          setEdited(true);
        }}
        onDrop={async (event) => {
          const dropped = await readDroppedFile(event);
          if (dropped !== null)
            apply(dropped, format === "json" && dropped.trimStart().startsWith("{") ? "json" : "yaml");
        }}
      />
      <div className="actions">
        <button type="button" disabled={!edited} onClick={() => apply(text, format)}>
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
      <ImportSources onText={apply} />
    </Section>
  );
}
