// Tools: what this machine offers, as last detected: versions, health, sign-in, limits and their resets.
import type { WorkerTool } from "@garageswarm/protocol";
import { html } from "hono/html";
import { badge, clock, type Html, layout, relative } from "../layout.ts";
import type { PanelState } from "../view.ts";

export function toolsPage(state: PanelState): Html {
  return layout("Tools", state.name ?? "", html`<div data-live="/live/tools">${toolsBody(state)}</div>`);
}

export function toolsBody(state: PanelState): Html {
  if (state.status !== "running") {
    return html`<section class="card"><p class="muted">Tools are detected when the worker runs (it is ${state.label.toLowerCase()}).</p></section>`;
  }
  return html`<section class="card" aria-labelledby="tools-heading">
    <div class="page-head">
      <h2 id="tools-heading">Detected tools</h2>
      <form method="post" action="/tools/check"><button>Check again</button></form>
    </div>
    ${
      state.tools.length === 0
        ? html`<p class="muted">No tool found. Install a CLI (claude, codex, gemini) or set an API key, then check again.</p>`
        : html`<div class="table-wrap">
          <table aria-label="Tools">
            <thead>
              <tr><th>Tool</th><th>Version</th><th>Health</th><th>Signed in</th><th>Limit</th><th>At most at once</th><th>Unsafe modes</th></tr>
            </thead>
            <tbody>${state.tools.map(toolRow)}</tbody>
          </table>
        </div>`
    }
  </section>`;
}

function toolRow(tool: WorkerTool): Html {
  const limited = tool.limited_until ? Date.parse(tool.limited_until) > Date.now() : false;
  return html`<tr aria-label="${tool.name}">
    <th scope="row">${tool.name}</th>
    <td>${tool.version ?? "—"}</td>
    <td class="wrap">
      ${tool.healthy ? badge("healthy", "ok") : badge("unhealthy", "bad")} ${tool.detail ? html`<span class="muted">${tool.detail}</span>` : ""}
    </td>
    <td>${signedIn(tool.auth)}</td>
    <td class="wrap">
      ${
        limited && tool.limited_until
          ? html`${badge("limited", "warn")} resets ${clock(tool.limited_until)} (${relative(tool.limited_until)})
              <br /><span class="muted">${tool.limit_message ?? ""}</span>`
          : "—"
      }
    </td>
    <td>${tool.max_concurrent ?? "slots"}</td>
    <td>${tool.unsafe_modes ? "allowed" : "—"}</td>
  </tr>`;
}

function signedIn(auth: WorkerTool["auth"]): Html | string {
  if (auth === "logged_in") return badge("signed in", "ok");
  if (auth === "not_logged_in") return badge("not signed in", "bad");
  if (auth === "unknown") return "unknown";
  return "—";
}
