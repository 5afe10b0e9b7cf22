// Add a worker: a pairing code and the one-line installer per OS (the machine needs only Node.js), or,
// as before, a worker key and the command for a machine that has GarageSwarm already.
import type { ApiKeyCreated, EnrolmentCodeCreated } from "@garageswarm/protocol";
import { useState } from "react";
import { useCreateEnrolmentCode } from "../../api/enrolment.ts";
import { useCreateApiKey } from "../../api/keys.ts";
import { Field, FormError, fieldErrorsOf, formValues, useOpenedForm } from "../../components/form.tsx";
import { CopyableValue } from "../../components/secret.tsx";
import { EnrolmentCodeView } from "./enrolment-code.tsx";

export function workerCommand(origin: string, key: string): string {
  return `garageswarm worker --server ${origin} --key ${key}`;
}

export function AddWorker({ onClose }: { onClose: () => void }) {
  const createKey = useCreateApiKey();
  const createCode = useCreateEnrolmentCode();
  const [key, setKey] = useState<ApiKeyCreated | null>(null);
  const [code, setCode] = useState<EnrolmentCodeCreated | null>(null);
  const [name, setName] = useState("");
  const error = createCode.error ?? createKey.error;
  const fields = fieldErrorsOf(error);
  const opened = useOpenedForm<HTMLElement>();
  const newCode = (machine: string) =>
    createCode.mutate(machine ? { name: machine } : {}, { onSuccess: (created) => setCode(created) });

  return (
    <section ref={opened} className="card" aria-labelledby="add-worker-title">
      <h2 id="add-worker-title">Add a worker</h2>
      {code ? (
        <>
          <EnrolmentCodeView key={code.enrolment_code_id} code={code} onRenew={() => newCode(name)} />
          <p className="muted">The worker appears below as soon as it connects.</p>
          <button type="button" onClick={onClose}>
            Done
          </button>
        </>
      ) : key ? (
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
            const machine = formValues(event.currentTarget).name?.trim() ?? "";
            setName(machine);
            const submitter = (event.nativeEvent as SubmitEvent).submitter;
            if (submitter?.getAttribute("value") === "key") {
              // A worker key: the machine can take tasks and report, but not read your other tasks or make keys.
              createKey.mutate({ name: `worker: ${machine || "worker"}`, scope: "worker" }, { onSuccess: setKey });
            } else {
              newCode(machine);
            }
          }}
        >
          <p>
            A pairing code enrols a machine with one line: it downloads the worker from this server and gets its own
            worker key. The code works once, within 10 minutes.
          </p>
          <Field
            label="Machine name"
            name="name"
            maxLength={90}
            placeholder="desktop, gpu-box, … (optional)"
            error={fields.name}
          />
          <FormError error={error} fields={["name"]} />
          <div className="actions">
            <button type="submit" name="via" value="code" className="primary" disabled={createCode.isPending}>
              Create pairing code
            </button>
            <button type="submit" name="via" value="key" disabled={createKey.isPending}>
              Create key and show command
            </button>
            <button type="button" className="ghost" onClick={onClose}>
              Cancel
            </button>
          </div>
          <p className="muted">
            With a key instead: for a machine that already has GarageSwarm (a checkout or the CLI), create a worker key
            and run the command shown.
          </p>
        </form>
      )}
    </section>
  );
}
