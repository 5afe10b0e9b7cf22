// Linux: a systemd user unit, started at login (WantedBy=default.target), its output in the user's journal.
import { access, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mustRun, runAttached, runCommand } from "./run-command.ts";
import type { ServiceContext, ServiceManager, ServiceStatus } from "./service-manager.ts";
import type { ServiceSpec } from "./service-spec.ts";
import { systemdUnit, systemdUnitName } from "./systemd-unit.ts";

export class SystemdUserService implements ServiceManager {
  readonly description: string;
  readonly file: string;
  readonly logs: string;
  private readonly unit: string;

  constructor(context: ServiceContext) {
    this.unit = systemdUnitName(context.suffix);
    const configHome = context.env.XDG_CONFIG_HOME || join(context.home, ".config");
    this.file = join(configHome, "systemd", "user", this.unit);
    this.description = `systemd user unit ${this.unit}`;
    this.logs = `journalctl --user -u ${this.unit}`;
  }

  async install(spec: ServiceSpec): Promise<void> {
    const existed = await exists(this.file);
    await mkdir(join(this.file, ".."), { recursive: true });
    await writeFile(this.file, systemdUnit(spec), { mode: 0o644 });
    await systemctl("daemon-reload");
    await systemctl("enable", "--now", this.unit);
    // enable --now leaves a running service as it was: restart it so the new settings apply.
    if (existed) await systemctl("restart", this.unit);
  }

  async start(): Promise<void> {
    await systemctl("start", this.unit);
  }

  async stop(): Promise<void> {
    await systemctl("stop", this.unit);
  }

  async uninstall(): Promise<void> {
    if (await exists(this.file)) await systemctl("disable", "--now", this.unit);
    await rm(this.file, { force: true });
    await systemctl("daemon-reload");
  }

  async status(): Promise<ServiceStatus> {
    const installed = await exists(this.file);
    // is-active exits non-zero for anything but "active"; what it prints is the state.
    const { stdout } = await runCommand("systemctl", ["--user", "is-active", this.unit]);
    const state = stdout.trim() || "unknown";
    return { installed, running: state === "active", detail: state };
  }

  showLogs({ lines, follow }: { lines: number; follow: boolean }): Promise<number> {
    return runAttached("journalctl", ["--user", "-u", this.unit, "-n", String(lines), ...(follow ? ["-f"] : [])]);
  }
}

function systemctl(...args: string[]) {
  return mustRun("systemctl", ["--user", ...args]);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
