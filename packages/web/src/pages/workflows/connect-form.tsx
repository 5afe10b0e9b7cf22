// Connecting nodes without a mouse: pick both ends.
import { useState } from "react";
import { SelectField } from "../../components/form.tsx";

/** Connecting without a mouse: pick both ends. */
export function ConnectForm({
  nodeIds,
  onConnect,
}: {
  nodeIds: string[];
  onConnect: (source: string, target: string) => void;
}) {
  const [source, setSource] = useState("");
  const [target, setTarget] = useState("");
  const options = [{ value: "", label: "choose a node" }, ...nodeIds.map((id) => ({ value: id, label: id }))];
  return (
    <form
      className="connect-form"
      aria-label="Connect nodes"
      onSubmit={(event) => {
        event.preventDefault();
        if (source && target) onConnect(source, target);
      }}
    >
      <h3>Connect nodes</h3>
      <SelectField
        label="From node"
        value={source}
        onChange={(event) => setSource(event.target.value)}
        options={options}
      />
      <SelectField
        label="To node"
        value={target}
        onChange={(event) => setTarget(event.target.value)}
        options={options}
      />
      <button type="submit" disabled={!source || !target}>
        Add edge
      </button>
    </form>
  );
}
