// Add a worker: create a key for it and show the exact command to run on the machine.
import type { ApiKeyCreated } from "@garageswarm/protocol";
import { useState } from "react";
import { useCreateApiKey } from "../../api/keys.ts";
import { Field, FormError, fieldErrorsOf, formValues } from "../../components/form.tsx";
import { CopyableValue } from "../../components/secret.tsx";

export function workerCommand(origin: string, key: string): string {
  return `garageswarm worker --server ${origin} --key ${key}`;
}

export function AddWorker({ onClose }: { onClose: () => void }) {
  const create = useCreateApiKey();
  const [key, setKey] = useState<ApiKeyCreated | null>(null);
  const fields = fieldErrorsOf(create.error);
  return (
    <section className="card" aria-labelledby="add-worker-title">
      <h2 id="add-worker-title">Add a worker</h2>
      {key ? (
        <>
          <p>
            On the machine, install GarageSwarm (<code>npm install -g garageswarm</code> or a clone of this repository),
            then run:
          </p>
          <CopyableValue
            label="Worker command"
            value={workerCommand(location.origin, key.key)}
            copyLabel="Copy command"
          />
          <p className="muted">
            The key "{key.name}" is shown only now; revoke it in Settings to disconnect the worker. The worker appears
            below as soon as it connects.
          </p>
          <button type="button" onClick={onClose}>
            Done
          </button>
        </>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const name = formValues(event.currentTarget).name?.trim() || "worker";
            // A worker key: the machine can take tasks and report, but not read your other tasks or make keys.
            create.mutate({ name: `worker: ${name}`, scope: "worker" }, { onSuccess: setKey });
          }}
        >
          <p>Each worker connects with an API key. Name the machine so you can tell its key apart later.</p>
          <Field
            label="Machine name"
            name="name"
            required
            maxLength={90}
            placeholder="desktop, gpu-box, …"
            error={fields.name}
          />
          <FormError error={create.error} fields={["name"]} />
          <div className="actions">
            <button type="submit" className="primary" disabled={create.isPending}>
              Create key and show command
            </button>
            <button type="button" className="ghost" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
