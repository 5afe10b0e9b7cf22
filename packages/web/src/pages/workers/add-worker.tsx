// Add a worker: a pairing code and the one-line installer per OS (the machine needs only Node.js), or,
// as before, a worker key and the command for a machine that has a checkout of GarageSwarm. Either way the
// address other machines can reach is offered when the page was opened at a loopback one, and the panel
// says so once the new worker connects.
import type { ApiKeyCreated, EnrolmentCodeCreated, Worker } from "@garageswarm/protocol";
import { useRef, useState } from "react";
import { Link } from "wouter";
import { useCreateEnrolmentCode, useServerAddresses } from "../../api/enrolment.ts";
import { useCreateApiKey } from "../../api/keys.ts";
import { useWorkers } from "../../api/workers.ts";
import { Field, FormError, fieldErrorsOf, formValues, useOpenedForm } from "../../components/form.tsx";
import { CopyableValue } from "../../components/secret.tsx";
import { EnrolmentCodeView } from "./enrolment-code.tsx";
import { defaultOrigin, ServerAddressChoice } from "./server-address.tsx";
import { workerCommands } from "./worker-command.ts";

/** The code's install lines at another origin than the one the server filled in (the chosen LAN address). */
function atOrigin(code: EnrolmentCodeCreated, from: string, to: string): EnrolmentCodeCreated {
  if (from === to) return code;
  const move = (line: string) => line.replaceAll(from, to);
  return { ...code, install: { sh: move(code.install.sh), ps1: move(code.install.ps1), url: move(code.install.url) } };
}

/**
 * The worker that connected since the command was shown: one not seen before, or one that was offline then
 * (a machine enrolled again keeps its id) with the name given.
 */
function connectedSince(workers: Worker[] | undefined, before: Map<string, Worker["status"]>, name: string) {
  return workers?.find((worker) => {
    if (worker.status !== "online") return false;
    const then = before.get(worker.worker_id);
    if (then === undefined) return true;
    return then === "offline" && name !== "" && worker.machine_name === name;
  });
}

export function AddWorker({ onClose }: { onClose: () => void }) {
  const createKey = useCreateApiKey();
  const createCode = useCreateEnrolmentCode();
  const addresses = useServerAddresses();
  const workers = useWorkers();
  const [key, setKey] = useState<ApiKeyCreated | null>(null);
  const [code, setCode] = useState<EnrolmentCodeCreated | null>(null);
  const [name, setName] = useState("");
  const [chosenOrigin, setChosenOrigin] = useState<string | null>(null);
  // The workers as they were when a command was shown, so the one that connects after can be told apart.
  const before = useRef<Map<string, Worker["status"]> | null>(null);
  const error = createCode.error ?? createKey.error;
  const fields = fieldErrorsOf(error);
  const remember = () => {
    before.current = new Map((workers.data ?? []).map((worker) => [worker.worker_id, worker.status]));
  };
  const opened = useOpenedForm<HTMLElement>();
  const newCode = (machine: string) =>
    createCode.mutate(machine ? { name: machine } : {}, {
      onSuccess: (created) => {
        remember();
        setCode(created);
      },
    });

  const serverOrigin = addresses.data?.origin ?? location.origin;
  const origin = chosenOrigin ?? defaultOrigin(addresses.data, location.origin);
  const connected = before.current && (code || key) ? connectedSince(workers.data, before.current, name) : undefined;
  const addressChoice = addresses.data ? (
    <ServerAddressChoice addresses={addresses.data} chosen={origin} onChoose={setChosenOrigin} />
  ) : null;
  const waiting = connected ? (
    <p className="success connected" role="status">
      ✓ {connected.machine_name} connected — <Link href="/tasks">send it a task</Link>
    </p>
  ) : (
    <p className="muted" role="status">
      Waiting for the worker to connect; it appears below as soon as it does.
    </p>
  );

  return (
    <section ref={opened} className="card" aria-labelledby="add-worker-title">
      <h2 id="add-worker-title">Add a worker</h2>
      {code ? (
        <>
          {addressChoice}
          <EnrolmentCodeView
            key={code.enrolment_code_id}
            code={atOrigin(code, serverOrigin, origin)}
            onRenew={() => newCode(name)}
          />
          {waiting}
          <button type="button" onClick={onClose}>
            Done
          </button>
        </>
      ) : key ? (
        <>
          <p>
            On the machine, in a checkout of GarageSwarm (<code>git clone</code>, then <code>npm install</code> once),
            run:
          </p>
          {addressChoice}
          <CopyableValue
            label="Worker command"
            value={workerCommands(origin, key.key, name).sh}
            copyLabel="Copy command"
          />
          <CopyableValue
            label="Windows PowerShell"
            value={workerCommands(origin, key.key, name).ps1}
            copyLabel="Copy PowerShell command"
          />
          <p className="muted">
            The key travels in <code>GARAGESWARM_KEY</code>, so it does not show in <code>ps</code>; to keep it running
            as a service, use <code>npx garageswarm worker install</code> with the same settings. The key "{key.name}"
            is shown only now; revoke it in Settings to disconnect the worker.
          </p>
          {waiting}
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
              createKey.mutate(
                { name: `worker: ${machine || "worker"}`, scope: "worker" },
                {
                  onSuccess: (created) => {
                    remember();
                    setKey(created);
                  },
                },
              );
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
            With a key instead: for a machine that has a checkout of GarageSwarm, create a worker key and run the
            command shown.
          </p>
        </form>
      )}
    </section>
  );
}
