// "Work on this phone": the keys this phone's tools use (kept on the device), and the switch that makes
// this browser a worker, with why it is paused when it is.
import type { User } from "@garageswarm/protocol";
import { useEffect, useState } from "react";
import { useStore } from "../../api/store.ts";
import { Field, FormError, formValues } from "../../components/form.tsx";
import { Page, Section } from "../../components/page.tsx";
import { toolLabels } from "../../labels.ts";
import { documentLoadedAtPhonePage, phoneWorkerPath } from "./address.ts";
import { type DeviceSettings, loadEnrolment, loadSettings, saveSettings, type ToolSettings } from "./device.ts";
import { type RunningPhone, runningPhone, startPhoneWorker, stopPhoneWorker } from "./enrolment.ts";
import { pauseReasonLabels } from "./pause.ts";
import { phonePlatform, platformLabels } from "./platform.ts";
import { type PhoneToolId, phoneToolIds } from "./tools.ts";

export function PhoneWorkerPage({ user }: { user: User }) {
  useLoadedAsItself();
  const running = useStore(runningPhone);
  const platform = phonePlatform(navigator.userAgent, navigator.maxTouchPoints);
  const [settings, setSettings] = useState(() => loadSettings(`${user.username}'s ${platformLabels[platform]}`));
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const resumable = !running && loadEnrolment(user.user_id) !== null;

  async function start(next: DeviceSettings) {
    setError(null);
    setStarting(true);
    try {
      saveSettings(next);
      setSettings(next);
      await startPhoneWorker(user.user_id, next);
    } catch (failure) {
      setError(failure);
    } finally {
      setStarting(false);
    }
  }

  return (
    <Page title="Work on this phone">
      <p>
        This phone runs tasks for the API tools (Anthropic, Gemini, OpenAI-compatible) while this page is open and in
        front. It pauses when the page is hidden or the screen goes off, when the battery is low and not charging, and,
        if you say so, on a metered connection. Coding agents and the shell need a computer.
      </p>
      {running ? (
        <Working running={running} />
      ) : (
        <form
          aria-label="Phone worker settings"
          onSubmit={(event) => {
            event.preventDefault();
            void start(settingsFrom(event.currentTarget, settings));
          }}
        >
          <Section title="API keys on this phone">
            <p role="note">
              Keys stay on this phone, in this browser's storage. They are never sent to the GarageSwarm server: the
              phone calls the vendor's API itself.
            </p>
            {phoneToolIds.map((tool) => (
              <ToolFields key={tool} tool={tool} values={settings[tool]} />
            ))}
          </Section>
          <Section title="This phone">
            <Field label="Name" name="machine_name" defaultValue={settings.machine_name} required maxLength={200} />
            <div className="checkbox">
              <input
                id="pause-when-metered"
                type="checkbox"
                name="pause_when_metered"
                defaultChecked={settings.pause_when_metered}
              />
              <label htmlFor="pause-when-metered">Pause on a metered connection (mobile data, Data Saver)</label>
            </div>
            <p className="muted">Registers as platform {platform}.</p>
          </Section>
          <FormError error={error} />
          <div className="actions">
            <button type="submit" className="primary" disabled={starting}>
              {starting ? "Starting…" : resumable ? "Resume work on this phone" : "Work on this phone"}
            </button>
          </div>
        </form>
      )}
    </Page>
  );
}

function ToolFields({ tool, values }: { tool: PhoneToolId; values: ToolSettings }) {
  const label = toolLabels[tool];
  return (
    <fieldset>
      <legend>{label}</legend>
      <Field
        label={`${label} key`}
        name={`${tool}.api_key`}
        type="password"
        autoComplete="off"
        defaultValue={values.api_key ?? ""}
      />
      <Field
        label={`${label} base URL`}
        name={`${tool}.base_url`}
        type="url"
        placeholder={tool === "openai_compatible" ? "https://api.openai.com/v1" : "the vendor's API"}
        defaultValue={values.base_url ?? ""}
      />
      <Field label={`${label} default model`} name={`${tool}.model`} defaultValue={values.model ?? ""} />
    </fieldset>
  );
}

function Working({ running }: { running: RunningPhone }) {
  const status = useStore(running.worker.status);
  const device = useStore(running.sensors.state);
  const wakeLock = useStore(running.wakeLock.state);
  const [stopping, setStopping] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const task = status.task;
  return (
    <Section title="Working">
      <p role="status" aria-label="Phone worker status">
        {status.phase === "paused"
          ? "Paused: takes no new tasks"
          : status.phase === "working"
            ? "Working: takes tasks"
            : status.phase === "stopping"
              ? "Stopping…"
              : "Starting…"}
      </p>
      {status.pauseReasons.length ? (
        <ul aria-label="Why it is paused">
          {status.pauseReasons.map((reason) => (
            <li key={reason}>{pauseReasonLabels[reason]}</li>
          ))}
        </ul>
      ) : null}
      <p className="muted">
        Battery:{" "}
        {device.battery
          ? `${Math.round(device.battery.level_percent)}%${device.battery.charging ? ", charging" : ""}`
          : "unknown in this browser"}{" "}
        · Screen kept on: {wakeLockLabels[wakeLock]} · Tasks done: {status.completed}
      </p>
      {status.problem ? <p className="field-error">{status.problem}</p> : null}
      {task ? (
        <section aria-label="Current task">
          <h3>
            Task {task.task_id.slice(0, 8)} · {toolLabels[task.tool as PhoneToolId] ?? task.tool} · {task.status}
          </h3>
          {task.usage ? (
            <p className="muted">
              {task.usage.input_tokens} tokens in, {task.usage.output_tokens} out · ${task.usage.cost_usd.toFixed(6)}
            </p>
          ) : null}
          {task.error ? <p className="field-error">{task.error}</p> : null}
          <pre className="log">{task.output}</pre>
        </section>
      ) : (
        <p className="muted">No task yet.</p>
      )}
      <FormError error={error} />
      <div className="actions">
        <button
          type="button"
          className="danger"
          disabled={stopping}
          onClick={() => {
            setStopping(true);
            stopPhoneWorker()
              .catch(setError)
              .finally(() => setStopping(false));
          }}
        >
          Stop working on this phone
        </button>
      </div>
    </Section>
  );
}

const wakeLockLabels = {
  held: "yes",
  released: "no (the page is hidden)",
  unsupported: "no (this browser cannot)",
  refused: "no (the browser refused)",
} as const;

function settingsFrom(form: HTMLFormElement, previous: DeviceSettings): DeviceSettings {
  const values = formValues(form);
  const tool = (id: PhoneToolId): ToolSettings => ({
    api_key: values[`${id}.api_key`]?.trim() || undefined,
    base_url: values[`${id}.base_url`]?.trim() || undefined,
    model: values[`${id}.model`]?.trim() || undefined,
  });
  return {
    machine_id: previous.machine_id,
    machine_name: values.machine_name?.trim() || previous.machine_name,
    pause_when_metered: (form.elements.namedItem("pause_when_metered") as HTMLInputElement).checked,
    anthropic: tool("anthropic"),
    gemini_api: tool("gemini_api"),
    openai_compatible: tool("openai_compatible"),
  };
}

/** Reached by an in-app link from a document loaded elsewhere (stricter CSP): load the page itself. */
function useLoadedAsItself() {
  useEffect(() => {
    if (!documentLoadedAtPhonePage()) location.assign(phoneWorkerPath);
  }, []);
}
