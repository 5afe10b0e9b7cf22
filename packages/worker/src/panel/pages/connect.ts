// Connect: which server this worker works for, and the form that points it at one, with a pairing code from
// the dashboard (Workers → Add worker) or an API key.
import { html } from "hono/html";
import type { FieldErrors } from "../forms.ts";
import { type Html, layout } from "../layout.ts";
import type { EditableSetting } from "../supervisor.ts";
import type { PanelState } from "../view.ts";

export interface ConnectView {
  state: PanelState;
  /** The key in use, shortened: enough to recognise it, never the whole key. */
  keyHint: string | null;
  pinned: Partial<Record<EditableSetting, string>>;
  errors?: FieldErrors;
  /** What was typed, shown again after an error (never the key). */
  values?: { server?: string; code?: string; name?: string };
  /** The server said no, or could not be reached. */
  failure?: string;
}

export function connectPage(view: ConnectView): Html {
  const { state, errors = {}, values = {}, pinned } = view;
  const invalid = (field: string) => (errors[field] ? html`aria-invalid="true" aria-describedby="${field}-error"` : "");
  const fieldError = (field: string, label: string) =>
    errors[field] ? html`<span class="field-error" id="${field}-error">${label} ${errors[field]}</span>` : "";
  const pinnedBy = pinned.server ?? pinned.key;
  return layout(
    "Connect",
    state.name ?? "",
    html`
      <section class="card" aria-labelledby="current-heading">
        <h2 id="current-heading">Current server</h2>
        ${
          state.server
            ? html`<dl class="facts">
                <dt>Server</dt><dd>${state.server}</dd>
                <dt>API key</dt><dd class="mono">${view.keyHint ?? "—"}</dd>
                <dt>State</dt><dd>${state.label}</dd>
              </dl>`
            : html`<p class="muted">Not connected to a server yet.</p>`
        }
      </section>
      <form class="card" method="post" action="/connect" aria-labelledby="connect-heading">
        <h2 id="connect-heading">${state.server ? "Connect to another server" : "Connect this worker"}</h2>
        ${pinnedBy ? html`<p class="callout">The server and key come from ${pinnedBy}, which wins over this page: restart the worker without it to connect elsewhere.</p>` : ""}
        ${view.failure ? html`<p class="alert" role="alert">${view.failure}</p>` : ""}
        <div class="field">
          <label for="server">Server URL</label>
          <input id="server" name="server" placeholder="http://your-server:8000" value="${values.server ?? state.server ?? ""}" ${invalid("server")} />
          ${fieldError("server", "Server URL")}
        </div>
        <div class="field">
          <label for="code">Pairing code</label>
          <input id="code" name="code" placeholder="K7Q-2ZP" autocomplete="off" value="${values.code ?? ""}" ${invalid("code")} />
          <span class="hint">From the dashboard: Workers → Add worker. Used once, within 10 minutes.</span>
          ${fieldError("code", "Pairing code")}
        </div>
        <details ${errors.key ? "open" : ""}>
          <summary>Use an API key instead</summary>
          <div class="field">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" placeholder="gs_…" autocomplete="off" ${invalid("key")} />
            <span class="hint">A worker key: garageswarm keys create my-machine --scope worker</span>
            ${fieldError("key", "API key")}
          </div>
        </details>
        <div class="field">
          <label for="name">Machine name (optional)</label>
          <input id="name" name="name" value="${values.name ?? ""}" ${invalid("name")} />
          ${fieldError("name", "Machine name")}
        </div>
        <button class="primary" type="submit">Connect</button>
      </form>`,
  );
}
