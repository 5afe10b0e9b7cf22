// Status: where the worker is, the tasks it runs now with their live output, recent results and its log.
// The part under data-live is rendered again on every change (GET /live/status).
import { html } from "hono/html";
import type { FinishedAttempt, RunningAttempt } from "../../agent/activity.ts";
import { badge, clock, type Html, layout } from "../layout.ts";
import type { PanelState, PanelStateLabel } from "../view.ts";

const tones: Record<PanelStateLabel, "ok" | "info" | "warn" | "bad" | "plain"> = {
  "Not connected": "warn",
  Starting: "info",
  Connected: "ok",
  Pulling: "info",
  Paused: "warn",
  Draining: "warn",
  Disconnected: "plain",
  Failed: "bad",
};

export function statusPage(state: PanelState): Html {
  return layout("Status", state.name ?? "", html`<div data-live="/live/status">${statusBody(state)}</div>`);
}

export function statusBody(state: PanelState): Html {
  return html`
    <section class="card" aria-labelledby="worker-heading">
      <div class="page-head">
        <h2 id="worker-heading">Worker ${badge(state.label, tones[state.label])}</h2>
        <span class="live">Live</span>
      </div>
      ${state.problem && state.status === "failed" ? html`<p class="alert" role="alert">${state.problem}</p>` : ""}
      ${
        state.status === "not_set_up"
          ? html`<p>This worker has no server yet. <a href="/connect">Connect it</a> with a pairing code or an API key.</p>`
          : ""
      }
      <dl class="facts">
        <dt>Server</dt>
        <dd>${state.server ?? "—"}</dd>
        <dt>Worker id</dt>
        <dd class="mono">${state.worker_id ?? "—"}</dd>
        <dt>Connection</dt>
        <dd>${state.mode === "websocket" ? "WebSocket" : state.mode === "pull" ? "HTTP (long-poll)" : "—"}</dd>
      </dl>
      <ul class="stats" aria-label="Slots">
        <li class="stat"><span class="stat-value">${state.slots_used}</span><span class="stat-label">slots used</span></li>
        <li class="stat">
          <span class="stat-value">${Math.max(0, state.slots - state.slots_used)}</span
          ><span class="stat-label">slots free</span>
        </li>
      </ul>
      ${workControls(state)}
    </section>
    <section class="card" aria-labelledby="running-heading">
      <h2 id="running-heading">Current tasks</h2>
      ${state.running.length === 0 ? html`<p class="muted">No task is running.</p>` : state.running.map(runningTask)}
    </section>
    <section class="card" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Recent results</h2>
      ${state.recent.length === 0 ? html`<p class="muted">No task has ended here since the worker started.</p>` : recentTable(state.recent)}
    </section>
    <section class="card" aria-labelledby="log-heading">
      <h2 id="log-heading">Log</h2>
      <pre class="output log" id="worker-log" role="log" aria-label="Worker log">${state.logs
        .slice(-60)
        .map((line) => html`<span class="${line.level}">${clock(line.at)} ${line.message}</span>\n`)}</pre>
    </section>`;
}

/** Pause, resume, drain and start, as the worker's state allows; used on Status and Settings. */
export function workControls(state: PanelState, back: "/" | "/settings" = "/"): Html {
  const button = (action: string, label: string, hint: string, kind = "") =>
    html`<form method="post" action="/control/${action}">
      <input type="hidden" name="back" value="${back}" /><button class="${kind}" title="${hint}">${label}</button>
    </form>`;
  const buttons: Html[] = [];
  if (state.status === "running" && (state.phase === "connected" || state.phase === "pulling")) {
    buttons.push(button("pause", "Pause", "Take no new tasks; running ones go on"));
  }
  if (state.phase === "paused") buttons.push(button("resume", "Resume", "Take tasks again", "primary"));
  if (state.status === "running" && state.phase !== "draining" && state.phase !== "stopped") {
    buttons.push(button("drain", "Drain", "Finish running tasks, then disconnect", "danger"));
  }
  if (state.status === "stopped" || state.status === "failed") {
    buttons.push(button("start", "Start", "Connect and take tasks again", "primary"));
  }
  return buttons.length === 0 ? html`` : html`<div class="actions" aria-label="Taking work">${buttons}</div>`;
}

function runningTask(task: RunningAttempt): Html {
  return html`<article class="task" aria-label="Task ${task.task_id}">
    <div class="actions">
      ${badge(task.tool, "info")} <strong>${task.summary || "(no prompt)"}</strong>
      <span class="muted">attempt ${task.attempt}, since ${clock(task.started_at)}</span>
    </div>
    <pre class="output" id="output-${task.task_id}" role="log" aria-label="Output of ${task.task_id}">${task.output}</pre>
  </article>`;
}

function recentTable(results: FinishedAttempt[]): Html {
  const tone = (status: FinishedAttempt["status"]) =>
    status === "completed" ? "ok" : status === "cancelled" || status === "handed_back" ? "warn" : "bad";
  return html`<div class="table-wrap">
    <table aria-label="Recent results">
      <thead>
        <tr><th>Ended</th><th>Tool</th><th>Task</th><th>Result</th><th>Cost</th></tr>
      </thead>
      <tbody>
        ${results.map(
          (result) => html`<tr>
            <td>${clock(result.ended_at)}</td>
            <td>${result.tool}</td>
            <td class="wrap">${result.summary}<br /><span class="muted mono">${result.task_id}</span></td>
            <td class="wrap">${badge(result.status.replace("_", " "), tone(result.status))} ${result.detail}</td>
            <td>${result.cost_usd === null ? "—" : `$${result.cost_usd.toFixed(4)}`}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
