// Settings: what config.json holds for this worker, edited here and applied by starting the worker again.
// A setting a flag or env variable gives is shown but not editable: those win over the file.
import { ToolId } from "@garageswarm/protocol";
import { html } from "hono/html";
import type { WorkerSettings } from "../../agent/settings.ts";
import { agentToolIds } from "../../tools/agent-modes.ts";
import type { FieldErrors } from "../forms.ts";
import { type Html, layout } from "../layout.ts";
import type { EditableSetting } from "../supervisor.ts";
import type { PanelState } from "../view.ts";
import { workControls } from "./status.ts";

export interface SettingsView {
  state: PanelState;
  /** What the worker runs with (or would: flags, env and config.json merged); null before it is set up. */
  settings: WorkerSettings | null;
  pinned: Partial<Record<EditableSetting, string>>;
  errors?: FieldErrors;
  saved?: boolean;
  /** The command that installs the worker as a service starting at login. */
  installCommand: string;
}

export function settingsPage(view: SettingsView): Html {
  const { state, settings, pinned, errors = {} } = view;
  const pinNote = (setting: EditableSetting) =>
    pinned[setting] ? html`<span class="hint">Set by ${pinned[setting]}, which wins over this page.</span>` : "";
  const invalid = (field: string) => (errors[field] ? html`aria-invalid="true" aria-describedby="${field}-error"` : "");
  const fieldError = (field: string) =>
    errors[field] ? html`<span class="field-error" id="${field}-error">${labelOf(field)} ${errors[field]}</span>` : "";
  const disabled = (setting: EditableSetting) => (pinned[setting] ? "disabled" : "");
  const unsafe = settings?.allowUnsafeAgentModes ?? [];
  const caps = settings?.maxConcurrent ?? {};
  return layout(
    "Settings",
    state.name ?? "",
    html`
      ${view.saved ? html`<p class="callout" role="status">Saved. The worker starts again with these settings once its running tasks end.</p>` : ""}
      ${Object.keys(errors).length > 0 ? html`<p class="alert" role="alert">Nothing was saved: fix the marked fields.</p>` : ""}
      <section class="card" aria-labelledby="work-heading">
        <h2 id="work-heading">Taking work</h2>
        <p class="muted">Pause stops taking new tasks (running ones go on); drain lets running tasks finish, then disconnects.</p>
        <div data-live="/live/controls">${workControls(state, "/settings")}</div>
      </section>
      <form class="card" method="post" action="/settings" aria-labelledby="settings-heading" novalidate>
        <h2 id="settings-heading">This worker</h2>
        ${settings === null ? html`<p class="muted">Connect the worker first; these settings are saved for when it runs.</p>` : ""}
        <div class="field">
          <label for="name">Name</label>
          <input id="name" name="name" value="${settings?.name ?? ""}" ${disabled("name")} ${invalid("name")} />
          ${pinNote("name")} ${fieldError("name")}
        </div>
        <div class="field">
          <label for="slots">Slots</label>
          <input id="slots" name="slots" type="number" min="1" max="256" value="${settings?.slots ?? 1}" ${disabled("slots")} ${invalid("slots")} />
          <span class="hint">Tasks run at once.</span> ${pinNote("slots")} ${fieldError("slots")}
        </div>
        <div class="field">
          <label for="labels">Labels</label>
          <input id="labels" name="labels" value="${(settings?.labels ?? []).join(", ")}" ${disabled("labels")} ${invalid("labels")} />
          <span class="hint">Comma-separated; tasks can require them (e.g. gpu).</span> ${pinNote("labels")} ${fieldError("labels")}
        </div>
        <div class="check">
          <input id="enable_shell" name="enable_shell" type="checkbox" ${settings?.enableShell ? "checked" : ""} ${disabled("enable_shell")} />
          <label for="enable_shell">Enable the shell tool</label>
        </div>
        <p class="hint">Tasks may then run any command as this user. ${pinNote("enable_shell")}</p>
        <fieldset>
          <legend>Allow unsafe agent modes</legend>
          <p class="hint">Task options may widen these agents' powers (bypassPermissions, danger-full-access, yolo). ${pinNote("allow_unsafe_agent_modes")}</p>
          ${agentToolIds.map(
            (tool) => html`<div class="check">
              <input id="unsafe_${tool}" name="unsafe_${tool}" type="checkbox" ${unsafe.includes(tool) ? "checked" : ""} ${disabled("allow_unsafe_agent_modes")} />
              <label for="unsafe_${tool}">${tool}</label>
            </div>`,
          )}
        </fieldset>
        <fieldset>
          <legend>Max concurrent per tool</legend>
          <p class="hint">Empty: bounded by the slots only. ${pinNote("max_concurrent")}</p>
          <div class="caps">
            ${ToolId.options.map(
              (tool) => html`<div class="field">
                <label for="cap_${tool}">${tool}</label>
                <input id="cap_${tool}" name="cap_${tool}" type="number" min="1" max="256" value="${caps[tool] ?? ""}" ${disabled("max_concurrent")} ${invalid(`cap_${tool}`)} />
                ${fieldError(`cap_${tool}`)}
              </div>`,
            )}
          </div>
        </fieldset>
        <button class="primary" type="submit">Save and apply</button>
      </form>
      <section class="card" aria-labelledby="login-heading">
        <h2 id="login-heading">Start at login</h2>
        <p>To run this worker whenever you log in (a user service: systemd on Linux, a LaunchAgent on macOS, a
          Scheduled Task on Windows), run in a terminal:</p>
        <pre class="output" aria-label="Start at login command">${view.installCommand}</pre>
        <p class="hint">The service runs the worker with its control panel, from the settings saved here.</p>
      </section>`,
  );
}

function labelOf(field: string): string {
  if (field.startsWith("cap_")) return `Max concurrent of ${field.slice(4)}`;
  return { name: "Name", slots: "Slots", labels: "Labels" }[field] ?? field;
}
