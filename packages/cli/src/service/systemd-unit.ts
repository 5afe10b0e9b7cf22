// The systemd user unit of a worker (Linux): ~/.config/systemd/user/garageswarm-worker[-<name>].service.
// Quoting follows systemd.service(5) "Command lines": each word in double quotes with C escapes, `%` doubled
// (specifiers) and, on ExecStart, `$` doubled (variable expansion).
import type { ServiceSpec } from "./service-spec.ts";

export function systemdUnitName(suffix: string | undefined): string {
  return `garageswarm-worker${suffix === undefined ? "" : `-${suffix}`}.service`;
}

export function systemdUnit(spec: ServiceSpec): string {
  const command = [spec.program, ...spec.args].map(quoteExecWord).join(" ");
  return [
    "[Unit]",
    `Description=GarageSwarm worker${spec.suffix === undefined ? "" : ` (${spec.suffix})`}`,
    // systemd gives up after 5 failed starts in 10 s by default; a worker should keep coming back.
    "StartLimitIntervalSec=0",
    "",
    "[Service]",
    "Type=exec",
    `ExecStart=${command}`,
    `Environment=${quoteWord(`PATH=${spec.path}`)}`,
    "Restart=on-failure",
    "RestartSec=5",
    // Back-off between restarts, 5 s growing to 5 min (systemd 254+; older versions ignore these two keys).
    "RestartSteps=6",
    "RestartMaxDelaySec=300",
    // SIGTERM to the worker alone: it drains and stops its own tool processes; the rest are killed after the timeout.
    "KillMode=mixed",
    `TimeoutStopSec=${spec.stopTimeoutSeconds}`,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function quoteWord(word: string): string {
  if (/[\n\r\0]/.test(word)) throw new Error(`a systemd unit cannot hold a line break: ${JSON.stringify(word)}`);
  return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")}"`;
}

function quoteExecWord(word: string): string {
  return quoteWord(word).replace(/\$/g, "$$$$");
}
