import type { User, Worker, WorkerRole } from "@garageswarm/protocol";
import { useState } from "react";
import { Link } from "wouter";
import { useWorkerSamples, type WorkerSample } from "../../api/worker-samples.ts";
import {
  useDrainWorker,
  useLeaveWorker,
  useRemoveWorker,
  useShareWorker,
  useUnshareWorker,
  useWorkerMembers,
  workerState,
} from "../../api/workers.ts";
import { confirmAction } from "../../components/confirm-dialog.tsx";
import { Field, FormError, fieldErrorsOf, formValues, SelectField } from "../../components/form.tsx";
import { formatUntil } from "../../components/format.ts";
import { Sparkline } from "../../components/sparkline.tsx";
import { ErrorState } from "../../components/states.tsx";
import { StatusBadge } from "../../components/status-badge.tsx";
import { toolLabels, workerRoleLabels, workerRoles } from "../../labels.ts";
import { LastHeard } from "./last-heard.tsx";

/** `linked`: the name opens the worker's page (off on that page itself). */
export function WorkerCard({ worker, user, linked = true }: { worker: Worker; user: User; linked?: boolean }) {
  const state = workerState(worker);
  const drain = useDrainWorker();
  const remove = useRemoveWorker();
  const leave = useLeaveWorker();
  const [sharing, setSharing] = useState(false);
  const shared = worker.owner_user_id !== user.user_id;
  const samples = useWorkerSamples(worker.worker_id);
  const latest = samples.at(-1);
  const titleId = `worker-${worker.worker_id}`;
  return (
    <article className="card worker" aria-labelledby={titleId}>
      <header className="section-head">
        <h2 id={titleId}>
          {linked ? <Link href={`/workers/${worker.worker_id}`}>{worker.machine_name}</Link> : worker.machine_name}
        </h2>
        <StatusBadge status={state} label={worker.draining ? `${state}, draining` : state} />
      </header>
      <p className="muted">
        {worker.platform}
        {worker.version ? ` · v${worker.version}` : ""} · <LastHeard worker={worker} />
        {shared ? ` · ${worker.owner_username}'s machine, shared with you as ${worker.role}` : ""}
      </p>
      {worker.battery ? <Battery battery={worker.battery} /> : null}
      <Meter label="CPU" value={latest?.cpu_percent ?? worker.cpu_percent} samples={samples} of="cpu_percent" />
      <Meter
        label="Memory"
        value={latest?.memory_percent ?? worker.memory_percent}
        samples={samples}
        of="memory_percent"
      />
      <Meter label="Disk" value={latest?.disk_percent ?? worker.disk_percent} samples={samples} of="disk_percent" />
      <p>
        Running {worker.running_tasks} of {worker.slots} slot{worker.slots === 1 ? "" : "s"}
      </p>
      <h3>Tools</h3>
      {worker.tools.length === 0 ? (
        <p className="muted">No AI tools detected on this machine.</p>
      ) : (
        <ul className="tools">
          {worker.tools.map((tool) => (
            <li key={tool.name}>
              <ToolState tool={tool} /> {toolLabels[tool.name]}
              {tool.version ? <span className="muted"> {tool.version}</span> : null}
              {tool.models.length ? <span className="muted"> · {tool.models.slice(0, 4).join(", ")}</span> : null}
              {tool.any_model ? <span className="muted"> · any model</span> : null}
              {tool.max_concurrent ? <span className="muted"> · at most {tool.max_concurrent} at once</span> : null}
              {limitedNow(tool) ? (
                <small className="field-error">
                  {" "}
                  limited until {formatUntil(tool.limited_until)}
                  {tool.limit_message ? ` — ${tool.limit_message}` : ""}
                </small>
              ) : null}
              {!tool.healthy && tool.detail ? <small className="field-error"> {tool.detail}</small> : null}
              {tool.unsafe_modes ? (
                <small className="muted" title="The owner started this worker with --allow-unsafe-agent-modes">
                  {" "}
                  · runs tasks in unsafe agent modes
                </small>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      {worker.labels.length ? (
        <p>
          Labels:{" "}
          {worker.labels.map((label) => (
            <span key={label} className="chip">
              {label}
            </span>
          ))}
        </p>
      ) : null}
      <div className="actions">
        {worker.role === "viewer" ? null : (
          <button
            type="button"
            aria-label={`${worker.draining ? "Resume" : "Drain"} ${worker.machine_name}`}
            onClick={() => drain.mutate({ workerId: worker.worker_id, draining: !worker.draining })}
            disabled={drain.isPending}
          >
            {worker.draining ? "Resume" : "Drain"}
          </button>
        )}
        {worker.role === "owner" ? (
          <>
            <button
              type="button"
              aria-expanded={sharing}
              aria-label={`Share ${worker.machine_name}`}
              onClick={() => setSharing(!sharing)}
            >
              Share
            </button>
            <button
              type="button"
              className="danger"
              aria-label={`Remove ${worker.machine_name}`}
              disabled={remove.isPending}
              onClick={async () => {
                const yes = await confirmAction({
                  title: `Remove ${worker.machine_name}?`,
                  message: "Tasks it holds go back to the queue.",
                  confirm: "Remove worker",
                  danger: true,
                });
                if (yes) remove.mutate(worker.worker_id);
              }}
            >
              Remove
            </button>
          </>
        ) : null}
        {shared ? (
          <button
            type="button"
            aria-label={`Leave ${worker.machine_name}`}
            disabled={leave.isPending}
            onClick={async () => {
              const yes = await confirmAction({
                title: `Leave ${worker.machine_name}?`,
                message: "Your tasks stop running there; those it holds go back to the queue.",
                confirm: "Leave worker",
                danger: true,
              });
              if (yes) leave.mutate({ workerId: worker.worker_id, userId: user.user_id });
            }}
          >
            Leave
          </button>
        ) : null}
      </div>
      <FormError error={drain.error ?? remove.error ?? leave.error} />
      {sharing ? <Sharing worker={worker} /> : null}
    </article>
  );
}

type ToolEntry = Worker["tools"][number];

const limitedNow = (tool: ToolEntry) =>
  Boolean(tool.limited_until) && Date.parse(tool.limited_until as string) > Date.now();

/** "installed · not logged in", "limited", "healthy": what stops the tool taking tasks first. */
function ToolState({ tool }: { tool: ToolEntry }) {
  if (tool.auth === "not_logged_in") return <StatusBadge status="unhealthy" label="installed · not logged in" />;
  if (!tool.healthy) return <StatusBadge status="unhealthy" label="unhealthy" />;
  if (limitedNow(tool)) return <StatusBadge status="limited" label="limited" />;
  return <StatusBadge status="healthy" label="healthy" />;
}

/** A phone worker's battery: it stops taking tasks below 20% unless charging. */
function Battery({ battery }: { battery: NonNullable<Worker["battery"]> }) {
  const level = Math.round(battery.level_percent);
  return (
    <div className="meter">
      <span>Battery</span>
      <meter min={0} max={100} low={20} high={50} optimum={100} value={level} aria-label="Battery" />
      <span>
        {level}%{battery.charging ? ", charging" : ""}
      </span>
    </div>
  );
}

function Meter({
  label,
  value,
  samples,
  of,
}: {
  label: string;
  value: number | null;
  /** Live heartbeats since the page loaded, drawn as a sparkline beside the meter. */
  samples: readonly WorkerSample[];
  of: "cpu_percent" | "memory_percent" | "disk_percent";
}) {
  const spanMs = (samples.at(-1)?.at ?? 0) - (samples[0]?.at ?? 0);
  return (
    <div className="meter">
      <span>{label}</span>
      {value === null ? (
        <span className="muted">—</span>
      ) : (
        <>
          <meter min={0} max={100} low={70} high={90} optimum={0} value={value} aria-label={label} />
          <span>{Math.round(value)}%</span>
        </>
      )}
      <Sparkline label={label} values={samples.map((sample) => sample[of])} spanMs={spanMs} />
    </div>
  );
}

function Sharing({ worker }: { worker: Worker }) {
  const members = useWorkerMembers(worker.worker_id, true);
  const share = useShareWorker(worker.worker_id);
  const unshare = useUnshareWorker(worker.worker_id);
  const [offeredTo, setOfferedTo] = useState<string | null>(null);
  const fields = fieldErrorsOf(share.error);
  return (
    <div className="sharing">
      <h3>Shared with</h3>
      <p className="muted">
        Sharing sends an offer: the person appears here once they accept it, and only then can their tasks run on this
        machine.
      </p>
      {members.isError ? (
        <ErrorState error={members.error} what="members" />
      ) : (
        <ul>
          {(members.data ?? []).map((member) => (
            <li key={member.user_id}>
              {member.username} · {member.role}{" "}
              {member.role === "owner" ? null : (
                <button
                  type="button"
                  className="ghost"
                  aria-label={`Stop sharing with ${member.username}`}
                  onClick={() => unshare.mutate(member.user_id)}
                >
                  Stop sharing
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const values = formValues(form);
          const username = values.username ?? "";
          setOfferedTo(null);
          share.mutate(
            { username, role: (values.role ?? "operator") as WorkerRole },
            {
              onSuccess: (answer) => {
                form.reset();
                setOfferedTo(answer.status === "offered" ? username : null);
              },
            },
          );
        }}
      >
        <Field label="Username" name="username" required error={fields.username} />
        <SelectField
          label="Role"
          name="role"
          defaultValue="operator"
          options={workerRoles.map((role) => ({ value: role, label: workerRoleLabels[role] }))}
          error={fields.role}
        />
        <button type="submit">Share worker</button>
      </form>
      {offeredTo ? (
        <p role="status">Offer sent to {offeredTo}. If that user exists, they appear above once they accept.</p>
      ) : null}
      <FormError error={share.error ?? unshare.error} fields={["username", "role"]} />
    </div>
  );
}
