// Where workflow text comes from besides typing: a file (picked or dropped) or a URL. The URL is fetched
// by the browser, so a server on another origin must allow it (CORS); GitHub's raw URLs do.
import { type DragEvent, useState } from "react";
import { Field } from "../../components/form.tsx";

export async function readDroppedFile(event: DragEvent): Promise<string | null> {
  const file = event.dataTransfer.files[0];
  if (!file) return null;
  event.preventDefault();
  return file.text();
}

export function ImportSources({ onText }: { onText: (text: string, format: "yaml" | "json") => void }) {
  const [url, setUrl] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const formatOf = (name: string) => (name.toLowerCase().endsWith(".json") ? "json" : "yaml");
  return (
    <div className="import-sources">
      <label className="button file-button">
        Open a file…
        <input
          type="file"
          accept=".yaml,.yml,.json,application/json,text/yaml"
          className="visually-hidden"
          onChange={async (event) => {
            const file = event.target.files?.[0];
            if (file) onText(await file.text(), formatOf(file.name));
            event.target.value = "";
          }}
        />
      </label>
      <form
        className="inline-form"
        aria-label="Import from a URL"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            const response = await fetch(url, { credentials: "omit" });
            if (!response.ok) throw new Error(`the server answered ${response.status}`);
            onText(await response.text(), formatOf(new URL(url, location.href).pathname));
          } catch (caught) {
            setError(`Could not fetch it: ${(caught as Error).message}. (The server must allow this page to read it.)`);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field
          label="Workflow URL"
          type="url"
          placeholder="https://…/workflow.yaml"
          value={url}
          error={error}
          onChange={(event) => setUrl(event.target.value)}
        />
        <button type="submit" disabled={!url || busy}>
          {busy ? "Fetching…" : "Fetch"}
        </button>
      </form>
    </div>
  );
}
