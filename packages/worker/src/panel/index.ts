// The worker's local control panel (the desktop app): served by `garageswarm worker --ui`, opened by
// `garageswarm worker open`. A thin view on the worker's in-process API (WorkerHandle), kept by a supervisor.
export { openInBrowser } from "./open-browser.ts";
export { loadPanelSecret, readPanelAddress, signInUrl } from "./secret.ts";
export { DEFAULT_PANEL_PORT, type RunningPanel, startPanel } from "./server.ts";
export { type SupervisorOptions, WorkerSupervisor } from "./supervisor.ts";
export { type PanelState, panelState } from "./view.ts";
