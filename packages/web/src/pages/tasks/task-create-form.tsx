// New task: tool (or a preference list, or any text tool), model, priority, requirements and what a usage
// limit does, with a warning when no worker can run it now.
import type { LimitPolicy, Task, TaskCreate, ToolId, Worker } from "@garageswarm/protocol";
import { useMemo, useState } from "react";
import { type NewTask, useCreateTask } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import {
  Field,
  FormError,
  fieldErrorsOf,
  focusFirstField,
  formValues,
  SelectField,
  TextAreaField,
  useOpenedForm,
} from "../../components/form.tsx";
import { formatUntil } from "../../components/format.ts";
import { limitPolicyLabels, textToolIds, toolIds, toolLabels } from "../../labels.ts";
import { repoFieldNames, repoFromForm } from "./repo-fields.ts";
import { RepoSection } from "./repo-section.tsx";

export function TaskCreateForm({ onCreated, onCancel }: { onCreated: (task: Task) => void; onCancel: () => void }) {
  const create = useCreateTask();
  const workers = useWorkers();
  const [tool, setTool] = useState<ToolId | "any">("claude_code");
  // The tools to fall back to, in the order of toolIds: the preference list is [tool, ...fallbacks].
  const [fallbacks, setFallbacks] = useState<ToolId[]>([]);
  // Bumped after each task made, so the repository fields (controlled by their section) start empty again.
  const [formRound, setFormRound] = useState(0);
  const fields = fieldErrorsOf(create.error);
  const tools = tool === "any" ? textToolIds : [tool, ...fallbacks.filter((fallback) => fallback !== tool)];
  const choice: TaskCreate["tool"] = tool === "any" ? "any" : tools.length > 1 ? tools : tool;
  const opened = useOpenedForm<HTMLFormElement>();
  const models = useMemo(() => (tool === "any" ? [] : modelsFor(workers.data ?? [], tool)), [workers.data, tool]);

  return (
    <form
      ref={opened}
      className="card"
      aria-label="New task"
      onSubmit={(event) => {
        event.preventDefault();
        const form = event.currentTarget;
        create.mutate(toBody(formValues(form), choice), {
          onSuccess: (task) => {
            form.reset();
            setFallbacks([]);
            setFormRound(formRound + 1);
            onCreated(task);
            // The form stays open for the next task: the cursor goes back to its first field.
            focusFirstField(form);
          },
        });
      }}
    >
      <h2>New task</h2>
      <TextAreaField label="Description" name="description" required rows={2} error={fields.description} />
      <TextAreaField
        label="Prompt"
        name="prompt"
        rows={4}
        hint="What the tool is asked to do. Leave empty to use the description."
        error={fields.prompt}
      />
      <div className="grid three">
        <SelectField
          label="Tool"
          name="tool"
          value={tool}
          onChange={(event) => setTool(event.target.value as ToolId | "any")}
          options={[
            ...toolIds.map((id) => ({ value: id, label: toolLabels[id] })),
            { value: "any", label: "Any text tool" },
          ]}
          error={fields.tool}
        />
        <Field
          label="Model"
          name="model"
          list="task-models"
          placeholder="tool default"
          disabled={tools.length > 1}
          hint={tools.length > 1 ? "A model names one tool's model: not with several tools." : undefined}
          error={fields.model}
        />
        <datalist id="task-models">
          {models.map((model) => (
            <option key={model} value={model} />
          ))}
        </datalist>
        <Field
          label="Priority"
          name="priority"
          type="number"
          min={-100}
          max={100}
          defaultValue={0}
          hint="-100 to 100; higher runs first."
          error={fields.priority}
        />
      </div>
      <ToolAvailability workers={workers.data} tools={tools} />
      <RepoSection key={formRound} tools={tool === "any" ? [] : tools} errors={fields} />
      <details>
        <summary>Requirements and limits</summary>
        <div className="grid three">
          <Field
            label="Worker labels"
            name="labels"
            placeholder="gpu, os=linux"
            hint="Comma-separated; a worker needs all of them."
            error={fields["requirements.labels"]}
          />
          <Field
            label="Minimum memory (GB)"
            name="min_memory_gb"
            type="number"
            min={0}
            step="any"
            error={fields["requirements.min_memory_gb"]}
          />
          <Field
            label="Minimum CPU cores"
            name="min_cpu_cores"
            type="number"
            min={0}
            error={fields["requirements.min_cpu_cores"]}
          />
          <Field
            label="Timeout (seconds)"
            name="timeout_seconds"
            type="number"
            min={1}
            defaultValue={1800}
            error={fields.timeout_seconds}
          />
          <Field
            label="Maximum attempts"
            name="max_attempts"
            type="number"
            min={1}
            max={10}
            defaultValue={3}
            error={fields.max_attempts}
          />
          <SelectField
            label="On usage limit"
            name="on_limit"
            defaultValue="wait"
            options={(Object.keys(limitPolicyLabels) as LimitPolicy[]).map((policy) => ({
              value: policy,
              label: limitPolicyLabels[policy],
            }))}
            hint="A subscription's usage limit is not a failure: the attempt does not count either way."
            error={fields.on_limit}
          />
          <SelectField
            label="Run on worker"
            name="worker_id"
            options={[
              { value: "", label: "Any eligible worker" },
              ...(workers.data ?? []).map((worker) => ({ value: worker.worker_id, label: worker.machine_name })),
            ]}
            error={fields.worker_id}
          />
        </div>
        {tool === "any" ? null : (
          <fieldset className="plan-tools">
            <legend>Then fall back to (in this order), when {toolLabels[tool]} cannot run</legend>
            {toolIds
              .filter((id) => id !== tool)
              .map((id) => (
                <div className="checkbox" key={id}>
                  <input
                    id={`fallback-${id}`}
                    type="checkbox"
                    checked={fallbacks.includes(id)}
                    onChange={(event) =>
                      setFallbacks(toolIds.filter((t) => (t === id ? event.target.checked : fallbacks.includes(t))))
                    }
                  />
                  <label htmlFor={`fallback-${id}`}>{toolLabels[id]}</label>
                </div>
              ))}
          </fieldset>
        )}
      </details>
      <FormError
        error={create.error}
        fields={[
          "description",
          "prompt",
          "tool",
          "model",
          "on_limit",
          "priority",
          "timeout_seconds",
          "max_attempts",
          "worker_id",
          "requirements.labels",
          "requirements.min_memory_gb",
          "requirements.min_cpu_cores",
          ...repoFieldNames,
        ]}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={create.isPending}>
          Create task
        </button>
        <button type="button" className="ghost" onClick={onCancel}>
          Close
        </button>
      </div>
    </form>
  );
}

function toBody(values: Record<string, string>, tool: TaskCreate["tool"]): NewTask {
  const number = (name: string) => (values[name]?.trim() ? Number(values[name]) : undefined);
  const labels = (values.labels ?? "")
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
  const repo = repoFromForm(values);
  const requirements = {
    ...(labels.length ? { labels } : {}),
    ...(number("min_memory_gb") !== undefined ? { min_memory_gb: number("min_memory_gb") } : {}),
    ...(number("min_cpu_cores") !== undefined ? { min_cpu_cores: number("min_cpu_cores") } : {}),
  };
  return {
    description: values.description ?? "",
    tool,
    ...(values.on_limit ? { on_limit: values.on_limit as LimitPolicy } : {}),
    ...(values.prompt?.trim() ? { prompt: values.prompt } : {}),
    ...(values.model?.trim() ? { model: values.model.trim() } : {}),
    ...(number("priority") !== undefined ? { priority: number("priority") } : {}),
    ...(number("timeout_seconds") !== undefined ? { timeout_seconds: number("timeout_seconds") } : {}),
    ...(number("max_attempts") !== undefined ? { max_attempts: number("max_attempts") } : {}),
    ...(values.worker_id ? { worker_id: values.worker_id } : {}),
    ...(repo ? { repo } : {}),
    requirements,
  };
}

function modelsFor(workers: Worker[], tool: ToolId): string[] {
  const models = new Set<string>();
  for (const worker of workers)
    for (const offered of worker.tools) if (offered.name === tool) for (const m of offered.models) models.add(m);
  return [...models].sort();
}

const isLimitedNow = (tool: Worker["tools"][number]) =>
  Boolean(tool.limited_until) && Date.parse(tool.limited_until as string) > Date.now();

/** Says up front when the task would only wait: which workers lack the tools, are offline, or limited. */
function ToolAvailability({ workers, tools }: { workers: Worker[] | undefined; tools: readonly ToolId[] }) {
  if (!workers) return null;
  const names =
    tools.length > 3
      ? `${toolLabels[tools[0] as ToolId]} or ${tools.length - 1} other tools`
      : tools.map((tool) => toolLabels[tool]).join(" or ");
  const able = workers.filter(
    (worker) =>
      worker.status === "online" &&
      !worker.draining &&
      worker.tools.some((t) => tools.includes(t.name) && t.healthy && !isLimitedNow(t)),
  );
  if (able.length > 0) {
    return (
      <p className="muted">
        {able.length} online worker{able.length === 1 ? "" : "s"} can run {names}.
      </p>
    );
  }
  const reasons = workers.map((worker) => {
    const offered = worker.tools.filter((t) => tools.includes(t.name));
    if (worker.status === "offline") return `${worker.machine_name} is offline`;
    if (worker.draining) return `${worker.machine_name} is draining`;
    const [first] = offered;
    if (!first) return `${worker.machine_name} does not have ${names}`;
    if (isLimitedNow(first)) {
      return `${worker.machine_name}'s ${toolLabels[first.name]} is limited until ${formatUntil(first.limited_until)}`;
    }
    return `${worker.machine_name}'s ${toolLabels[first.name]} is unhealthy${first.detail ? ` (${first.detail})` : ""}`;
  });
  return (
    <p className="warning" role="status">
      No worker can run {names} right now, so the task will wait in the queue.{" "}
      {workers.length === 0 ? "You have no workers yet: add one on the Workers page." : `${reasons.join("; ")}.`}
    </p>
  );
}
