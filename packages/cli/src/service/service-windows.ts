// Windows: a Scheduled Task started at logon, driven by schtasks; its output appended to a log file under
// %LOCALAPPDATA%\GarageSwarm\Logs. The task XML is kept beside it, as the record of what was installed.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { mustRun, runCommand } from "./run-command.ts";
import { scheduledTaskName, scheduledTaskXml, utf16WithBom } from "./scheduled-task-xml.ts";
import type { ServiceContext, ServiceManager, ServiceStatus } from "./service-manager.ts";
import type { ServiceSpec } from "./service-spec.ts";

export class ScheduledTaskService implements ServiceManager {
  readonly description: string;
  readonly file: string;
  readonly logs: string;
  private readonly task: string;
  private readonly userId: string;

  constructor(context: ServiceContext) {
    this.task = scheduledTaskName(context.suffix);
    const base = join(context.env.LOCALAPPDATA || join(context.home, "AppData", "Local"), "GarageSwarm");
    const name = `worker${context.suffix === undefined ? "" : `-${context.suffix}`}`;
    this.file = join(base, `${name}-task.xml`);
    this.logs = join(base, "Logs", `${name}.log`);
    this.userId = context.windowsUser;
    this.description = `Scheduled Task ${this.task}`;
  }

  async install(spec: ServiceSpec): Promise<void> {
    await mkdir(join(this.logs, ".."), { recursive: true });
    await writeFile(this.file, utf16WithBom(scheduledTaskXml(spec, { userId: this.userId, logFile: this.logs })));
    // /F replaces a task of that name; a run of the old definition is ended first so the new one starts.
    if ((await this.status()).running) await schtasks("/End", "/TN", this.task);
    await schtasks("/Create", "/TN", this.task, "/XML", this.file, "/F");
    await schtasks("/Run", "/TN", this.task);
  }

  async start(): Promise<void> {
    await schtasks("/Run", "/TN", this.task);
  }

  async stop(): Promise<void> {
    await schtasks("/End", "/TN", this.task);
  }

  async uninstall(): Promise<void> {
    const { installed, running } = await this.status();
    if (running) await schtasks("/End", "/TN", this.task);
    if (installed) await schtasks("/Delete", "/TN", this.task, "/F");
    await rm(this.file, { force: true });
  }

  async status(): Promise<ServiceStatus> {
    // CSV without a header: "TaskName","Next Run Time","Status" (the status word is in the system's language).
    const query = await runCommand("schtasks", ["/Query", "/TN", this.task, "/FO", "CSV", "/NH"]);
    if (query.code !== 0) return { installed: false, running: false, detail: "no such task" };
    const state = /"([^"]*)"\s*$/m.exec(query.stdout.trim())?.[1] ?? "unknown";
    return { installed: true, running: state === "Running", detail: state };
  }

  async showLogs({ lines, follow }: { lines: number; follow: boolean }): Promise<number> {
    const text = await readFile(this.logs, "utf8").catch(() => null);
    if (text === null) {
      console.error(`no log yet at ${this.logs}`);
      return 1;
    }
    process.stdout.write(
      `${text
        .split(/\r?\n/)
        .slice(-lines - 1)
        .join("\n")}`,
    );
    if (follow) console.error(`\n(--follow: in PowerShell, Get-Content -Wait "${this.logs}")`);
    return 0;
  }
}

function schtasks(...args: string[]) {
  return mustRun("schtasks", args);
}
