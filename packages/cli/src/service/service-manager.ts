// One interface over the three service managers; service-linux.ts, service-macos.ts and service-windows.ts
// implement it. `garageswarm worker install|status|start|stop|uninstall|logs` only talk to this.
import { SystemdUserService } from "./service-linux.ts";
import { LaunchAgentService } from "./service-macos.ts";
import type { ServicePlatform, ServiceSpec } from "./service-spec.ts";
import { ScheduledTaskService } from "./service-windows.ts";

export interface ServiceStatus {
  installed: boolean;
  running: boolean;
  /** What the manager says, in its words ("active", "state = running", "Ready"). */
  detail: string;
}

export interface ServiceManager {
  /** "systemd user unit garageswarm-worker.service" and the like. */
  readonly description: string;
  /** The unit, plist or task XML written. */
  readonly file: string;
  /** Where the output goes, as a person would look it up. */
  readonly logs: string;
  /** Writes the file and starts the service (restarts it when it was running: new settings apply). */
  install(spec: ServiceSpec): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes what install wrote; the state dir (config.json, machine id) stays. */
  uninstall(): Promise<void>;
  status(): Promise<ServiceStatus>;
  /** Shows the last `lines` lines, and with `follow` keeps printing; resolves with an exit code. */
  showLogs(options: { lines: number; follow: boolean }): Promise<number>;
}

/** Where a manager keeps things: from the environment of the person running the CLI. */
export interface ServiceContext {
  suffix: string | undefined;
  home: string;
  env: NodeJS.ProcessEnv;
  /** The user id (macOS launchd domains are per uid). */
  uid: number;
  /** The user the Windows task runs as (DOMAIN\name). */
  windowsUser: string;
}

export function serviceManagerFor(platform: ServicePlatform, context: ServiceContext): ServiceManager {
  switch (platform) {
    case "linux":
      return new SystemdUserService(context);
    case "darwin":
      return new LaunchAgentService(context);
    case "win32":
      return new ScheduledTaskService(context);
  }
}

export function parseServicePlatform(value: string): ServicePlatform {
  if (value === "linux" || value === "darwin" || value === "win32") return value;
  throw new Error(`no user service on ${value}: only linux (systemd), darwin (launchd) and win32 (Task Scheduler)`);
}
