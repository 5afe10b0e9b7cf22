// macOS: a LaunchAgent in the user's gui domain, loaded at login, its output in ~/Library/Logs/GarageSwarm.
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { launchAgentLabel, launchAgentPlist } from "./launch-agent-plist.ts";
import { mustRun, runAttached, runCommand } from "./run-command.ts";
import type { ServiceContext, ServiceManager, ServiceStatus } from "./service-manager.ts";
import type { ServiceSpec } from "./service-spec.ts";

export class LaunchAgentService implements ServiceManager {
  readonly description: string;
  readonly file: string;
  readonly logs: string;
  private readonly domain: string;
  private readonly target: string;

  constructor(context: ServiceContext) {
    const label = launchAgentLabel(context.suffix);
    this.file = join(context.home, "Library", "LaunchAgents", `${label}.plist`);
    this.logs = join(
      context.home,
      "Library",
      "Logs",
      "GarageSwarm",
      `worker${context.suffix === undefined ? "" : `-${context.suffix}`}.log`,
    );
    this.domain = `gui/${context.uid}`;
    this.target = `${this.domain}/${label}`;
    this.description = `LaunchAgent ${label}`;
  }

  async install(spec: ServiceSpec): Promise<void> {
    // A loaded agent keeps its old definition: unload it before writing the new one.
    if (await this.loaded()) await launchctl("bootout", this.target);
    await mkdir(join(this.file, ".."), { recursive: true });
    await mkdir(join(this.logs, ".."), { recursive: true });
    await writeFile(this.file, launchAgentPlist(spec, this.logs), { mode: 0o644 });
    await launchctl("enable", this.target);
    await launchctl("bootstrap", this.domain, this.file);
  }

  async start(): Promise<void> {
    if (!(await this.loaded())) await launchctl("bootstrap", this.domain, this.file);
    else await launchctl("kickstart", this.target);
  }

  /** Unloads it (KeepAlive would restart a killed one); it loads again at the next login, or with start. */
  async stop(): Promise<void> {
    if (await this.loaded()) await launchctl("bootout", this.target);
  }

  async uninstall(): Promise<void> {
    await this.stop();
    await rm(this.file, { force: true });
  }

  async status(): Promise<ServiceStatus> {
    const installed = await access(this.file).then(
      () => true,
      () => false,
    );
    const printed = await runCommand("launchctl", ["print", this.target]);
    if (printed.code !== 0) return { installed, running: false, detail: "not loaded" };
    const state = /^\s*state = (.+)$/m.exec(printed.stdout)?.[1]?.trim() ?? "loaded";
    return { installed, running: state === "running", detail: `state = ${state}` };
  }

  showLogs({ lines, follow }: { lines: number; follow: boolean }): Promise<number> {
    return runAttached("tail", ["-n", String(lines), ...(follow ? ["-F"] : []), this.logs]);
  }

  private async loaded(): Promise<boolean> {
    return (await runCommand("launchctl", ["print", this.target])).code === 0;
  }
}

function launchctl(...args: string[]) {
  return mustRun("launchctl", args);
}
