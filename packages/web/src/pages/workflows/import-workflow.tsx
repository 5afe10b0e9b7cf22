// Import a whole workflow file (docs/workflows.md: name, workflow_type, input, schedule, definition) by
// paste, file drop, file picker or URL; it is created as written and opened in the editor.
import type { Workflow } from "@garageswarm/protocol";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "wouter";
import { api } from "../../api/client.ts";
import { FormError, TextAreaField } from "../../components/form.tsx";
import { parseWorkflowDocument } from "./definition.ts";
import { ImportSources, readDroppedFile } from "./import-sources.tsx";

export function ImportWorkflow({ onCancel }: { onCancel: () => void }) {
  const [, navigate] = useLocation();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [error, setError] = useState<string>();
  const create = useMutation({
    mutationFn: (body: unknown) => api.post<Workflow>("/workflows", body),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ["workflows"] });
      navigate(`/workflows/${created.workflow_id}`);
    },
  });

  function submit(source: string) {
    setText(source);
    try {
      const { definition, fields } = parseWorkflowDocument(source, "yaml");
      if (!fields.name) throw new Error("The file needs a name: (or use New workflow and paste the definition).");
      setError(undefined);
      create.mutate({ ...fields, definition });
    } catch (caught) {
      setError((caught as Error).message);
    }
  }

  return (
    <section className="card import-workflow" aria-labelledby="import-title">
      <h2 id="import-title">Import a workflow</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit(text);
        }}
      >
        <TextAreaField
          label="Workflow YAML or JSON"
          className="mono"
          rows={12}
          spellCheck={false}
          value={text}
          error={error}
          autoFocus
          placeholder={
            "name: ship-feature\nworkflow_type: graph\ninput: { feature: dark mode }\ndefinition:\n  nodes: …"
          }
          hint="Paste it, drop a file here, open a file or fetch a URL."
          onChange={(event) => setText(event.target.value)}
          onDrop={async (event) => {
            const dropped = await readDroppedFile(event);
            if (dropped !== null) submit(dropped);
          }}
        />
        <FormError error={create.error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={!text.trim() || create.isPending}>
            Import workflow
          </button>
          <button type="button" className="ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
      <ImportSources onText={(source) => submit(source)} />
    </section>
  );
}
