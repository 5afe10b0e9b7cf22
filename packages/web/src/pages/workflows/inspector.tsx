// Properties of the selected node or edge. Text fields that must parse (JSON Logic) commit on blur.
import type { EdgeDefinition, NodeDefinition, ToolId } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { Field, SelectField, TextAreaField } from "../../components/form.tsx";
import { nodeTypeLabels, toolIds, toolLabels } from "../../labels.ts";
import { ConditionBuilder } from "./condition-builder-field.tsx";
import { PromptField } from "./prompt-field.tsx";
import type { TemplateSuggestion } from "./variables.ts";

const nodeIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

export function NodeInspector({
  node,
  takenIds,
  onChange,
  onRename,
  errors,
  suggestions,
}: {
  node: NodeDefinition;
  takenIds: ReadonlySet<string>;
  onChange: (next: NodeDefinition) => void;
  onRename: (nextId: string) => void;
  errors: string[];
  /** Templates this node's prompt may use, for the autocomplete and the condition builder. */
  suggestions: TemplateSuggestion[];
}) {
  const [id, setId] = useState(node.id);
  useEffect(() => setId(node.id), [node.id]);
  const idError =
    id === node.id
      ? undefined
      : !nodeIdPattern.test(id)
        ? "letters, digits, '_' and '-' only"
        : takenIds.has(id)
          ? "another node has this id"
          : undefined;
  const update = (patch: Partial<NodeDefinition>) => onChange({ ...node, ...patch } as NodeDefinition);
  const numberOf = (text: string, fallback: number) => (text.trim() === "" ? fallback : Number(text));

  return (
    <section className="inspector" aria-label={`${nodeTypeLabels[node.type]} node ${node.id}`}>
      <h3>
        {nodeTypeLabels[node.type]} node {node.id}
      </h3>
      {errors.length ? (
        <ul className="field-error" aria-label="Problems with this node">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <Field
        label="Node id"
        value={id}
        onChange={(event) => setId(event.target.value)}
        onBlur={() => (idError || id === node.id ? setId(node.id) : onRename(id))}
        error={idError}
        hint="Used in templates: {{nodes.ID.output}}"
      />
      <Field
        label="Display name"
        value={node.name ?? ""}
        onChange={(event) => update({ name: event.target.value || undefined })}
      />
      {"tool" in node ? (
        <>
          <SelectField
            label="Tool"
            value={node.tool}
            onChange={(event) => update({ tool: event.target.value as ToolId })}
            options={toolIds.map((tool) => ({ value: tool, label: toolLabels[tool] }))}
          />
          <Field
            label="Model"
            value={node.model ?? ""}
            placeholder="tool default"
            onChange={(event) => update({ model: event.target.value || undefined })}
          />
          <PromptField value={node.prompt} onChange={(prompt) => update({ prompt })} suggestions={suggestions} />
          <div className="grid two">
            <Field
              label="Retries"
              type="number"
              min={0}
              max={10}
              value={node.retries}
              onChange={(event) => update({ retries: numberOf(event.target.value, 0) })}
            />
            <Field
              label="Timeout (seconds)"
              type="number"
              min={1}
              value={node.timeout_seconds}
              onChange={(event) => update({ timeout_seconds: numberOf(event.target.value, 1800) })}
            />
          </div>
        </>
      ) : null}
      {node.type === "director" ? (
        <>
          <Field
            label="Largest plan (tasks)"
            type="number"
            min={1}
            max={100}
            value={node.max_tasks}
            onChange={(event) => update({ max_tasks: numberOf(event.target.value, 20) })}
          />
          <PlanToolsField node={node} onChange={update} />
        </>
      ) : null}
      {node.type === "condition" ? (
        <>
          <ConditionBuilder
            key={node.id}
            expression={node.expression}
            variables={suggestions
              .map((suggestion) => suggestion.text.slice(2, -2))
              .filter((name) => name !== "upstream")}
            onChange={(expression) => update({ expression })}
          />
          <JsonLogicField
            label="Expression (JSON Logic)"
            value={node.expression}
            required
            hint='Over {input, context, nodes}: {"==": [{"var": "nodes.test.output"}, "PASS"]}'
            onCommit={(expression) => update({ expression })}
          />
        </>
      ) : null}
      {node.type === "approval" ? (
        <TextAreaField
          label="Message to the approver"
          rows={3}
          value={node.message ?? ""}
          onChange={(event) => update({ message: event.target.value || undefined })}
        />
      ) : null}
    </section>
  );
}

/** The tools a director's plan may use (none ticked: its own tool) and the dangerous prompt rendering. */
function PlanToolsField({
  node,
  onChange,
}: {
  node: Extract<NodeDefinition, { type: "director" }>;
  onChange: (patch: Partial<NodeDefinition>) => void;
}) {
  const allowed = node.allowed_tools ?? (node.tool === "shell" ? [] : [node.tool]);
  const toggle = (tool: ToolId, on: boolean) => {
    const next = toolIds.filter((candidate) => (candidate === tool ? on : allowed.includes(candidate)));
    onChange({ allowed_tools: next.length ? next : undefined } as Partial<NodeDefinition>);
  };
  return (
    <fieldset className="plan-tools">
      <legend>Tools a plan may use</legend>
      {toolIds.map((tool) => (
        <div className="checkbox" key={tool}>
          <input
            id={`plan-tool-${node.id}-${tool}`}
            type="checkbox"
            checked={allowed.includes(tool)}
            onChange={(event) => toggle(tool, event.target.checked)}
          />
          <label htmlFor={`plan-tool-${node.id}-${tool}`}>{toolLabels[tool]}</label>
        </div>
      ))}
      <div className="checkbox">
        <input
          id={`render-plan-${node.id}`}
          type="checkbox"
          checked={node.render_plan_prompts ?? false}
          onChange={(event) =>
            onChange({ render_plan_prompts: event.target.checked || undefined } as Partial<NodeDefinition>)
          }
        />
        <label htmlFor={`render-plan-${node.id}`}>
          Render plan prompts as templates (dangerous: a plan can pull in the workflow's input and context)
        </label>
      </div>
    </fieldset>
  );
}

export function EdgeInspector({
  edge,
  onChange,
  errors,
}: {
  edge: EdgeDefinition;
  onChange: (next: EdgeDefinition) => void;
  errors: string[];
}) {
  const update = (patch: Partial<EdgeDefinition>) => {
    const next: EdgeDefinition = { ...edge, ...patch };
    for (const key of Object.keys(next) as (keyof EdgeDefinition)[]) if (next[key] === undefined) delete next[key];
    onChange(next);
  };
  return (
    <section className="inspector" aria-label={`Edge ${edge.from} to ${edge.to}`}>
      <h3>
        Edge {edge.from} → {edge.to}
      </h3>
      {errors.length ? (
        <ul className="field-error" aria-label="Problems with this edge">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      ) : null}
      <SelectField
        label="Follow when the source"
        value={edge.on}
        onChange={(event) => update({ on: event.target.value as "success" | "failure" })}
        options={[
          { value: "success", label: "succeeds" },
          { value: "failure", label: "fails for good" },
        ]}
      />
      <SelectField
        label="Condition node branch"
        value={edge.when === undefined ? "" : String(edge.when)}
        onChange={(event) => update({ when: event.target.value === "" ? undefined : event.target.value === "true" })}
        options={[
          { value: "", label: "always" },
          { value: "true", label: "when true" },
          { value: "false", label: "when false" },
        ]}
      />
      <JsonLogicField
        label="Condition (JSON Logic, optional)"
        hint='Over the run and the source: {"==": [{"var": "json.ok"}, true]}'
        value={edge.condition}
        onCommit={(condition) => update({ condition })}
      />
      <div className="checkbox">
        <input
          id={`loop-${edge.from}-${edge.to}`}
          type="checkbox"
          checked={edge.loop}
          onChange={(event) =>
            update({
              loop: event.target.checked,
              max_iterations: event.target.checked ? (edge.max_iterations ?? 3) : undefined,
            })
          }
        />
        <label htmlFor={`loop-${edge.from}-${edge.to}`}>Loop back (closes a cycle)</label>
      </div>
      {edge.loop ? (
        <Field
          label="Maximum iterations"
          type="number"
          min={1}
          max={1000}
          value={edge.max_iterations ?? ""}
          onChange={(event) => update({ max_iterations: event.target.value ? Number(event.target.value) : undefined })}
        />
      ) : null}
    </section>
  );
}

function JsonLogicField({
  label,
  value,
  required = false,
  hint,
  onCommit,
}: {
  label: string;
  value: unknown;
  hint: string;
  required?: boolean;
  onCommit: (value: unknown) => void;
}) {
  const shown = value === undefined ? "" : JSON.stringify(value);
  const [text, setText] = useState(shown);
  const [error, setError] = useState<string>();
  useEffect(() => setText(shown), [shown]);
  return (
    <TextAreaField
      label={label}
      rows={3}
      className="mono"
      value={text}
      error={error}
      hint={hint}
      onChange={(event) => setText(event.target.value)}
      onBlur={() => {
        if (text.trim() === "") {
          if (required) return setError("is required");
          setError(undefined);
          return onCommit(undefined);
        }
        try {
          const parsed = JSON.parse(text);
          setError(undefined);
          onCommit(parsed);
        } catch {
          setError("must be JSON");
        }
      }}
    />
  );
}
