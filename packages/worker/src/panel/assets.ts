// The panel's stylesheet and script, as strings: the worker may run as one bundled file with nothing beside
// it, so there is no asset build and no file to read. The colours are the dashboard's (packages/web/src/
// styles.css), copied rather than shared: the panel must not need the dashboard's build.

export const stylesheet = `
:root {
  --bg: light-dark(#f6f7f9, #0f1115);
  --surface: light-dark(#ffffff, #181b21);
  --text: light-dark(#16181d, #e6e8ec);
  --muted: light-dark(#5b6270, #9aa3b2);
  --border: light-dark(#d7dbe2, #2c313a);
  --accent: light-dark(#b45309, #f59e0b);
  --accent-text: light-dark(#ffffff, #16181d);
  --focus: light-dark(#2563eb, #60a5fa);
  --ok: light-dark(#15803d, #4ade80);
  --warn: light-dark(#a16207, #facc15);
  --bad: light-dark(#b91c1c, #f87171);
  --info: light-dark(#1d4ed8, #93c5fd);
  --ok-bg: light-dark(#dcfce7, #14301f);
  --warn-bg: light-dark(#fef3c7, #3a2f0b);
  --bad-bg: light-dark(#fee2e2, #3b1515);
  --info-bg: light-dark(#dbeafe, #172554);
  --neutral-bg: light-dark(#e5e7eb, #262a31);
  --radius: 8px;
  color-scheme: light dark;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 15px;
  line-height: 1.45;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--info); }
h1 { font-size: 1.5rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
.muted, .hint { color: var(--muted); }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.topbar { display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem 1.25rem; padding: 0.6rem 1rem;
  background: var(--surface); border-bottom: 1px solid var(--border); }
.brand { font-weight: 700; color: var(--accent); }
.topbar nav { display: flex; gap: 0.25rem; overflow-x: auto; }
.topbar nav a { padding: 0.4rem 0.7rem; border-radius: var(--radius); text-decoration: none; color: var(--text); }
.topbar nav a[aria-current="page"] { background: var(--neutral-bg); font-weight: 600; }
.topbar-end { margin-left: auto; }
main { max-width: 1100px; margin: 0 auto; padding: 1rem; }
.page-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: center; gap: 0.75rem;
  margin-bottom: 1rem; }
.card { background: var(--surface); border: 1px solid var(--border); border-radius: var(--radius); padding: 1rem;
  margin-bottom: 1rem; min-width: 0; }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
.callout { border-left: 4px solid var(--accent); background: var(--warn-bg); padding: 0.75rem 1rem;
  margin: 0.75rem 0; border-radius: var(--radius); }
.alert { border-left: 4px solid var(--bad); background: var(--bad-bg); padding: 0.75rem 1rem; margin: 0.75rem 0;
  border-radius: var(--radius); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
form { margin: 0; }
.field { display: flex; flex-direction: column; gap: 0.25rem; margin-bottom: 0.75rem; }
.check { display: flex; gap: 0.5rem; align-items: center; margin-bottom: 0.5rem; }
.check input { width: auto; }
label { font-weight: 600; font-size: 0.9rem; }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea { background: var(--bg); border: 1px solid var(--border); border-radius: 6px;
  padding: 0.45rem 0.6rem; width: 100%; }
input:disabled { opacity: 0.6; }
input[aria-invalid="true"] { border-color: var(--bad); }
.field-error { color: var(--bad); }
fieldset { border: 1px solid var(--border); border-radius: var(--radius); margin: 0 0 0.75rem; }
legend { font-weight: 600; font-size: 0.9rem; }
.caps { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0 0.75rem; }
button { border: 1px solid var(--border); background: var(--surface); border-radius: 6px; padding: 0.45rem 0.85rem;
  cursor: pointer; min-height: 2.25rem; }
button:hover:not(:disabled) { border-color: var(--muted); }
button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
button.danger { color: var(--bad); border-color: var(--bad); }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 0.45rem 0.5rem; border-bottom: 1px solid var(--border); vertical-align: top; }
thead th { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.03em; color: var(--muted); }
td.wrap { white-space: normal; min-width: 12rem; }
.badge { display: inline-block; padding: 0.1rem 0.5rem; border-radius: 999px; font-size: 0.8rem; font-weight: 600;
  background: var(--neutral-bg); white-space: nowrap; }
.badge-ok { background: var(--ok-bg); color: var(--ok); }
.badge-info { background: var(--info-bg); color: var(--info); }
.badge-warn { background: var(--warn-bg); color: var(--warn); }
.badge-bad { background: var(--bad-bg); color: var(--bad); }
.stats { display: flex; flex-wrap: wrap; gap: 1.5rem; list-style: none; padding: 0; margin: 0.75rem 0 0; }
.stat { display: flex; flex-direction: column; }
.stat-value { font-size: 1.6rem; font-weight: 700; }
.stat-label { color: var(--muted); }
.task { border-top: 1px solid var(--border); padding-top: 0.75rem; margin-top: 0.75rem; }
.output { background: var(--bg); border: 1px solid var(--border); border-radius: 6px; padding: 0.6rem;
  max-height: 18rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.5rem 0 0; }
.log { max-height: 14rem; }
.log .warn { color: var(--warn); }
.log .error { color: var(--bad); }
.live { font-size: 0.8rem; color: var(--muted); }
.live::before { content: "●"; color: var(--ok); margin-right: 0.3rem; }
`;

/**
 * Live updates: a region marked data-live="<url>" is fetched again (server-rendered HTML) whenever the
 * panel's event stream says something changed. Output boxes stay scrolled to the bottom if they were there.
 */
export const liveScript = `
(() => {
  const regions = [...document.querySelectorAll("[data-live]")];
  if (regions.length === 0) return;
  let busy = false;
  let again = false;
  const refresh = async () => {
    if (busy) { again = true; return; }
    busy = true;
    try {
      for (const region of regions) {
        const pinned = new Set([...region.querySelectorAll(".output")]
          .filter((box) => box.scrollTop + box.clientHeight >= box.scrollHeight - 8).map((box) => box.id));
        const answer = await fetch(region.dataset.live, { headers: { accept: "text/html" } });
        if (!answer.ok) continue;
        region.innerHTML = await answer.text();
        for (const box of region.querySelectorAll(".output")) {
          if (pinned.has(box.id) || !box.id) box.scrollTop = box.scrollHeight;
        }
      }
    } finally {
      busy = false;
      if (again) { again = false; void refresh(); }
    }
  };
  for (const box of document.querySelectorAll(".output")) box.scrollTop = box.scrollHeight;
  const events = new EventSource("/events");
  events.addEventListener("change", () => void refresh());
  events.addEventListener("open", () => void refresh());
})();
`;
