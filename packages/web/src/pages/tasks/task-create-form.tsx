// New task: tool, model, priority and requirements, with a warning when no worker can run it now.
import type { Task, ToolId, Worker } from "@garageswarm/protocol";
import { useMemo, useState } from "react";
import { type NewTask, useCreateTask } from "../../api/tasks.ts";
import { useWorkers } from "../../api/workers.ts";
import { Field, FormError, fieldErrorsOf, formValues, SelectField, TextAreaField } from "../../components/form.tsx";
import { toolIds, toolLabels } from "../../labels.ts";

export function TaskCreateForm({ onCreated, onCancel }: { onCreated: (task: Task) => void; onCancel: () => void }) {
  const create = useCreateTask();
  const workers = useWorkers();
  const [tool, setTool] = useState<ToolId>("claude_code");
  const fields = fieldErrorsOf(create.error);
  const models = useMemo(() => modelsFor(workers.data ?? [], tool), [workers.data, tool]);

  return (
    <form
      className="card"
      aria-label="New task"
      onSubmit={(event) => {
        event.preventDefault();
        const form = event.currentTarget;
        create.mutate(toBody(formValues(form)), {
          onSuccess: (task) => {
            form.reset();
            onCreated(task);
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
          onChange={(event) => setTool(event.target.value as ToolId)}
          options={toolIds.map((id) => ({ value: id, label: toolLabels[id] }))}
          error={fields.tool}
        />
        <Field label="Model" name="model" list="task-models" placeholder="tool default" error={fields.model} />
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
      <ToolAvailability workers={workers.data} tool={tool} />
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
            label="Run on worker"
            name="worker_id"
            options={[
              { value: "", label: "Any eligible worker" },
              ...(workers.data ?? []).map((worker) => ({ value: worker.worker_id, label: worker.machine_name })),
            ]}
            error={fields.worker_id}
          />
        </div>
      </details>
      <FormError
        error={create.error}
        fields={[
          "description",
          "prompt",
          "tool",
          "model",
          "priority",
          "timeout_seconds",
          "max_attempts",
          "worker_id",
          "requirements.labels",
          "requirements.min_memory_gb",
          "requirements.min_cpu_cores",
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

function toBody(values: Record<string, string>): NewTask {
  const number = (name: string) => (values[name]?.trim() ? Number(values[name]) : undefined);
  const labels = (values.labels ?? "")
    .split(",")
    .map((label) => label.trim())
    .filter(Boolean);
  const requirements = {
    ...(labels.length ? { labels } : {}),
    ...(number("min_memory_gb") !== undefined ? { min_memory_gb: number("min_memory_gb") } : {}),
    ...(number("min_cpu_cores") !== undefined ? { min_cpu_cores: number("min_cpu_cores") } : {}),
  };
  return {
    description: values.description ?? "",
    tool: values.tool as ToolId,
    ...(values.prompt?.trim() ? { prompt: values.prompt } : {}),
    ...(values.model?.trim() ? { model: values.model.trim() } : {}),
    ...(number("priority") !== undefined ? { priority: number("priority") } : {}),
    ...(number("timeout_seconds") !== undefined ? { timeout_seconds: number("timeout_seconds") } : {}),
    ...(number("max_attempts") !== undefined ? { max_attempts: number("max_attempts") } : {}),
    ...(values.worker_id ? { worker_id: values.worker_id } : {}),
    requirements,
  };
}

function modelsFor(workers: Worker[], tool: ToolId): string[] {
  const models = new Set<string>();
  for (const worker of workers)
    for (const offered of worker.tools) if (offered.name === tool) for (const m of offered.models) models.add(m);
  return [...models].sort();
}

/** Says up front when the task would only wait: which workers lack the tool, or are offline. */
function ToolAvailability({ workers, tool }: { workers: Worker[] | undefined; tool: ToolId }) {
  if (!workers) return null;
  const able = workers.filter(
    (worker) =>
      worker.status === "online" && !worker.draining && worker.tools.some((t) => t.name === tool && t.healthy),
  );
  if (able.length > 0) {
    return (
      <p className="muted">
        {able.length} online worker{able.length === 1 ? "" : "s"} can run {toolLabels[tool]}.
      </p>
    );
  }
  const reasons = workers.map((worker) => {
    const offered = worker.tools.find((t) => t.name === tool);
    if (worker.status === "offline") return `${worker.machine_name} is offline`;
    if (worker.draining) return `${worker.machine_name} is draining`;
    if (!offered) return `${worker.machine_name} does not have ${toolLabels[tool]}`;
    return `${worker.machine_name}'s ${toolLabels[tool]} is unhealthy${offered.detail ? ` (${offered.detail})` : ""}`;
  });
  return (
    <p className="warning" role="status">
      No worker can run {toolLabels[tool]} right now, so the task will wait in the queue.{" "}
      {workers.length === 0 ? "You have no workers yet: add one on the Workers page." : `${reasons.join("; ")}.`}
    </p>
  );
}
