// `garageswarm worker --ui` and `garageswarm worker open`: the worker with its local control panel (the
// desktop app, served to the default browser). With --ui the process outlives the worker: the panel can
// connect a worker that has no server yet, start it again with new settings, and start it after a drain.
import { resolve } from "node:path";
import type { WorkerFlags } from "@garageswarm/worker";

export interface PanelFlags {
  /** --ui-port: this port only (0: any free one); default the first free one from 8765. */
  uiPort?: string;
  healthCheckIntervalSeconds?: number;
}

export async function runWorkerWithPanel(flags: WorkerFlags, { uiPort, healthCheckIntervalSeconds }: PanelFlags) {
  const { consoleLog, startPanel, WorkerSupervisor } = await import("@garageswarm/worker");
  const port = uiPort === undefined ? undefined : Number(uiPort);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw new Error("--ui-port must be a port number from 0 to 65535");
  }
  const supervisor = new WorkerSupervisor({
    flags,
    log: consoleLog,
    extra: healthCheckIntervalSeconds === undefined ? {} : { healthCheckIntervalSeconds },
  });
  const panel = await startPanel({
    supervisor,
    port,
    installCommand: `garageswarm worker install --state-dir ${shellQuote(supervisor.stateDir)}`,
    log: consoleLog,
  });
  // The sign-in URL carries the secret: printed on a terminal, but not into a log file or a service's journal.
  if (process.stdout.isTTY) console.log(`Control panel: ${panel.signInUrl}`);
  else console.log(`Control panel: ${panel.url} (open it with "garageswarm worker open")`);
  void supervisor.start();

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    consoleLog.info(
      signals === 1
        ? `${signal}: draining (again to hand running tasks back now)`
        : `${signal}: handing running tasks back`,
    );
    void supervisor
      .shutdown(signals > 1)
      .then(() => panel.close())
      .then(() => process.exit(0));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

export async function openPanel(stateDirFlag: string | undefined): Promise<void> {
  const { defaultStateDir, loadPanelSecret, openInBrowser, readPanelAddress, signInUrl, workerEnvNames } = await import(
    "@garageswarm/worker"
  );
  const stateDir = resolve(stateDirFlag ?? (process.env[workerEnvNames.stateDir] || defaultStateDir()));
  const address = await readPanelAddress(stateDir);
  if (!address) {
    throw new Error(`no control panel is running for ${stateDir}: start the worker with "garageswarm worker --ui"`);
  }
  const url = signInUrl(address.url, await loadPanelSecret(stateDir));
  if (await openInBrowser(url)) console.log(`Opened the control panel (${address.url}) in your browser.`);
  else console.log(`Open this URL in your browser: ${url}`);
}

/** A path as one POSIX shell word. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
